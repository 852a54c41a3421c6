/**
 * The eval's live progress line in a real terminal 80 columns wide (tmux): it never wraps, so each
 * update replaces the last and no stale line is left behind.
 */
import { execa } from 'execa';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const session = `ibench-progress-${process.pid}`;
const tmux = (args: string[]) => execa('tmux', ['-L', session, ...args], { reject: false });

describe('progress at 80 columns (tmux)', () => {
  afterAll(async () => {
    await tmux(['kill-server']);
  });

  it('leaves one status line, within the width, with the final counts', async () => {
    const driver = resolve('test/fixtures/progress/driver.mjs');
    const started = await tmux(['new-session', '-d', '-s', session, '-x', '80', '-y', '30', `NO_COLOR=1 node ${driver}; sleep 60`]);
    expect(started.exitCode, started.stderr).toBe(0);
    let screen = '';
    for (let i = 0; i < 100 && !screen.includes('DRIVER-DONE'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      screen = (await tmux(['capture-pane', '-p', '-t', session])).stdout;
    }
    expect(screen).toContain('DRIVER-DONE');
    const lines = screen.split('\n').map((l) => l.trimEnd()).filter((l) => l !== '');
    for (const l of lines) expect([...l].length, l).toBeLessThanOrEqual(80);
    const bars = lines.filter((l) => l.includes('█') || l.includes('░'));
    expect(bars, screen).toHaveLength(1);
    expect(bars[0]).toMatch(/^\[█{24}\] 36\/36 /);
    expect(bars[0]?.endsWith('…')).toBe(true);
    // The retry warning stands on its own line, not glued to a bar.
    expect(lines.some((l) => l.includes('retrying episode-20') && !l.includes('█'))).toBe(true);
  }, 30_000);
});
