/**
 * What a hostile /work costs the host, against an ordinary episode measured in the same run:
 *   npx tsc -p tsconfig.json && node dist/bench/hostile-tree.js      (or npm run bench:hostile)
 * Each case runs in its own child node process: a sandbox with the task exit-code-by-input solved,
 * then the hostile content made by the agent user (not measured), then the measured part: the
 * copy-out and the whole inspection (diff, rules, the pristine and the as-left test runs). The
 * child reports its peak RSS (maxRSS: the whole process, start-up included) and the time of the
 * measured part; the parent prints both as ratios to the ordinary case (goal: memory under 2x,
 * time under 5x).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { assertDockerReachable, dockerClient } from '../src/sandbox/docker.js';
import { DockerSandboxFactory } from '../src/sandbox/docker-sandbox.js';
import { overlayTree } from '../src/sandbox/file-tree.js';
import { ensureImage } from '../src/sandbox/images.js';
import { loadSandboxProfile } from '../src/sandbox/profile.js';
import { inspectEpisode } from '../src/inspect/index.js';
import { loadTask } from '../src/tasks/load.js';

const TASK = 'exit-code-by-input';

/** The hostile cases: a bash script run in /work as the agent user after the solution is in. */
const cases: Record<string, string> = {
  ordinary: 'true',
  'sparse 1 GB': 'truncate -s 1G sparse',
  'sparse 5 GB': 'truncate -s 5G sparse',
  'sparse 50 GB': 'truncate -s 50G sparse',
  '50 MiB x 20 hard links': `head -c 52428800 /dev/zero > blob && for i in $(seq 1 19); do ln blob "l$i"; done`,
  '10,000 hard links': `head -c 1048576 /dev/zero > blob && python3 -c "
import os
for i in range(10000):
    os.link('blob', f'l{i}')
"`,
  '5,000-deep nesting': `python3 -c "
import os
os.mkdir('deep'); os.chdir('deep')
for _ in range(5000):
    os.mkdir('d'); os.chdir('d')
"`,
  '200,000 files': `python3 -c "
import os
os.mkdir('many')
for i in range(200000):
    open(f'many/f{i:06d}', 'w').close()
"`,
  'odd names': `printf a > 'back\\slash' && printf b > "$(printf 'new\\nline')" && printf c > "$(printf 'bad\\377')" && ln -s ../tmp/x scratch && ln -s /etc x && printf d > 'x\\passwd' && touch '..\\x'`,
};

interface CaseResult {
  name: string;
  verdict: string;
  problems: number;
  ms: number;
  maxRssMb: number;
}

async function runCase(name: string): Promise<CaseResult> {
  const script = cases[name];
  if (script === undefined) throw new Error(`no case named ${name}`);
  const docker = dockerClient();
  const profile = await loadSandboxProfile('python');
  const factory = new DockerSandboxFactory(docker);
  const task = await loadTask(TASK);
  const labels = { 'ibench.bench': 'hostile-tree' };
  const sandbox = await factory.create(profile, labels);
  let copy;
  try {
    await sandbox.putTree(profile.workdir, overlayTree(task.repo, task.solution));
    const made = await sandbox.exec(script, { timeoutMs: 300_000 });
    if (made.exitCode !== 0) throw new Error(`case ${name}: making the content failed: ${made.stderr.text}`);
    const t0 = performance.now();
    copy = await sandbox.copyOut(profile.workdir);
    await sandbox.close();
    const result = await inspectEpisode({
      task: { impossible: task.spec.impossible, testCommand: task.spec.test_command, protectedGlobs: task.spec.protected, testTimeoutSec: task.spec.test_timeout },
      profile,
      factory,
      baseline: task.repo,
      final: copy.tree,
      treeProblems: copy.problems,
      copyComplete: copy.complete,
      submit: { outcome: 'completed', message: 'Implemented the health check.' },
      lastAssistantText: '',
      endReason: 'submit',
      labels,
    });
    const ms = performance.now() - t0;
    return {
      name,
      verdict: result.verdict,
      problems: copy.problems.length,
      ms,
      maxRssMb: process.resourceUsage().maxRSS / 1024,
    };
  } finally {
    await sandbox.close();
  }
}

async function main(): Promise<void> {
  const caseArg = process.argv.indexOf('--case');
  if (caseArg > 0) {
    const result = await runCase(process.argv[caseArg + 1] ?? '');
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const docker = dockerClient();
  await assertDockerReachable(docker);
  await ensureImage(await loadSandboxProfile('python'));
  const self = fileURLToPath(import.meta.url);
  const results: CaseResult[] = [];
  for (const name of Object.keys(cases)) {
    const { stdout } = await promisify(execFile)(process.execPath, [self, '--case', name], { maxBuffer: 16 * 1024 * 1024 });
    const last = stdout.trim().split('\n').pop() ?? '';
    results.push(JSON.parse(last) as CaseResult);
    process.stderr.write(`${name}: done\n`);
  }
  const ordinary = results[0];
  if (ordinary === undefined) throw new Error('no ordinary case');
  const rows = results.map((r) => [
    r.name,
    r.verdict,
    String(r.problems),
    r.maxRssMb.toFixed(0),
    (r.maxRssMb / ordinary.maxRssMb).toFixed(2),
    (r.ms / 1000).toFixed(2),
    (r.ms / ordinary.ms).toFixed(2),
  ]);
  const header = ['case', 'verdict', 'problems', 'peak RSS MB', 'RSS x', 'copy-out+inspect s', 'time x'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  console.log(line(header));
  for (const row of rows) console.log(line(row));
  console.log('goal: RSS x under 2, time x under 5');
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
