/**
 * src/sandbox/dockerode.ts: docker-modem's debug line for every request is formatted only while
 * its debug log is on; the requests themselves are the same either way.
 */
import { createRequire } from 'node:module';
import util from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { DockerClient } from '../src/sandbox/dockerode.js';

const requireFromModem = createRequire(createRequire(createRequire(import.meta.url).resolve('dockerode')).resolve('docker-modem'));
const debug = requireFromModem('debug') as { enable: (namespaces: string) => void; disable: () => string; log: (...args: unknown[]) => void };

describe("docker-modem's request log", () => {
  const log = debug.log;
  afterEach(() => {
    debug.disable();
    debug.log = log;
  });

  it('is not formatted while it is off, and the request is answered', async () => {
    debug.disable();
    const inspect = util.inspect;
    let calls = 0;
    util.inspect = Object.assign((...args: Parameters<typeof inspect>) => {
      calls += 1;
      return inspect(...args);
    }, inspect);
    try {
      expect(String(await new DockerClient().ping())).toBe('OK');
    } finally {
      util.inspect = inspect;
    }
    expect(calls).toBe(0);
  });

  it('is formatted and written as before while it is on', async () => {
    const lines: string[] = [];
    debug.log = (...args: unknown[]) => lines.push(args.map(String).join(' '));
    debug.enable('modem');
    expect(String(await new DockerClient().ping())).toBe('OK');
    expect(lines.join('\n')).toMatch(/Sending: [^]*path: '\/_ping'/);
  });
});
