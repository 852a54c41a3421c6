/**
 * Start-up loads only what a command uses (issue 14): `--help` and light commands do not load
 * Docker's client, the model SDKs, the TypeScript parser or the embedded model's runtime. Checked by
 * what is loaded, not by time (the time is bench/startup.ts's).
 */
import { execa } from 'execa';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const heavy = ['node_modules/dockerode/', 'node_modules/ssh2/', 'node_modules/typescript/', 'node_modules/node-llama-cpp/', 'node_modules/openai/', 'node_modules/@anthropic-ai/', 'node_modules/hyparquet/'];

async function loaded(args: string[]): Promise<string[]> {
  const r = await execa('node', ['--require', resolve('test/fixtures/startup/list-cjs-on-exit.cjs'), 'bin/ibench.js', ...args], { reject: false });
  return r.stderr.split('\n').filter((l) => l.startsWith('CJS ')).map((l) => l.slice(4));
}

describe('start-up loads only what the command uses', () => {
  for (const args of [['--help'], ['run', '--help'], ['eval', '--help'], ['tasks', '--help'], ['tasks', 'mutate', '--help'], ['tasks', 'import', '--help'], ['export', '--help'], ['setup', '--help'], ['tasks', 'list', '--json']]) {
    it(`ibench ${args.join(' ')}`, async () => {
      const modules = await loaded(args);
      expect(modules.length).toBeGreaterThan(0);
      expect(modules.filter((m) => heavy.some((h) => m.includes(h)))).toEqual([]);
    });
  }
});
