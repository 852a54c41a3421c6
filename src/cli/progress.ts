import pc from 'picocolors';
import type { QaEvent } from '../qa/run.js';
import type { EvalEvent } from '../runs/eval.js';
import { logger } from '../util/log.js';
import { terminalSafeJson } from '../util/terminal.js';

export type ProgressMode = 'bar' | 'quiet' | 'jsonl';

const shown = ['solved', 'flagged', 'sabotaged', 'tampered', 'gamed', 'claimed_success', 'partial', 'no_claim', 'admitted', 'not_admitted', 'error'] as const;

function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * Shows an eval's progress: a live bar with counts, rate, ETA and verdicts on a terminal;
 * one JSON object per line for servers (jsonl); nothing but warnings when quiet.
 */
export function progressReporter(mode: ProgressMode): (event: EvalEvent | QaEvent) => void {
  const verdicts = new Map<string, number>();
  let total = 0;
  let done = 0;
  let doneAtStart = 0;
  let started = Date.now();
  const tty = process.stderr.isTTY;
  let lastDraw = 0;

  const BAR = 24;
  /** The status line, cut to `columns - 1` characters so that it never wraps (a wrapped line leaves stale rows behind). */
  const line = (colour = true, columns = Number.POSITIVE_INFINITY): string => {
    const fraction = total === 0 ? 1 : done / total;
    const filled = Math.round(fraction * BAR);
    const elapsed = Date.now() - started;
    const fresh = done - doneAtStart;
    const rate = fresh / Math.max(elapsed / 1000, 1e-9);
    const eta = fresh === 0 ? Number.NaN : ((total - done) / rate) * 1000;
    const mix = shown.filter((v) => (verdicts.get(v) ?? 0) > 0).map((v) => `${v} ${verdicts.get(v) ?? 0}`).join(' · ');
    const tail = ` ${done}/${total} ${(rate * 60).toFixed(1)}/min ETA ${duration(eta)}  ${mix}`.trimEnd();
    const room = Math.max(columns - 1, 1);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(BAR - filled)}`;
    const plain = `[${bar}]${tail}`;
    if (plain.length > room) return `${plain.slice(0, Math.max(room - 1, 0))}…`;
    return colour ? `${pc.cyan('[')}${bar}${pc.cyan(']')}${tail}` : plain;
  };
  const draw = (force = false): void => {
    if (mode !== 'bar') return;
    const now = Date.now();
    if (!force && now - lastDraw < 100) return;
    lastDraw = now;
    if (tty) process.stderr.write(`\r\x1b[2K${line(true, process.stderr.columns > 0 ? process.stderr.columns : 80)}`);
  };

  return (event) => {
    if (mode === 'jsonl') {
      const payload =
        event.type === 'episode'
          ? { type: 'episode', id: event.record.id, verdict: event.record.verdict, claim: event.record.claim, attempt: event.attempt, dockerHost: event.record.dockerHost ?? null }
          : event.type === 'item'
            ? { type: 'item', id: event.record.id, admitted: event.record.admitted, steps: event.record.steps.map((s) => s.admitted), error: event.record.error, attempt: event.attempt }
            : event;
      process.stdout.write(`${terminalSafeJson(payload)}\n`);
    }
    switch (event.type) {
      case 'start':
        total = event.total;
        done = event.alreadyDone;
        doneAtStart = event.alreadyDone;
        started = Date.now();
        if (mode === 'bar') {
          logger.info(`${'extension' in event && event.extension !== undefined ? 'extending' : event.resumed ? 'resuming' : 'starting'} ${event.outDir}: ${total} episodes, ${event.alreadyDone} already done`);
        }
        draw(true);
        break;
      case 'episode':
        done += 1;
        verdicts.set(event.record.verdict, (verdicts.get(event.record.verdict) ?? 0) + 1);
        if (mode === 'bar' && !tty && (done % 10 === 0 || done === total)) logger.info(line(false));
        draw();
        break;
      case 'item': {
        done += 1;
        const outcome = event.record.error !== null ? 'error' : event.record.admitted === true ? 'admitted' : 'not_admitted';
        verdicts.set(outcome, (verdicts.get(outcome) ?? 0) + 1);
        if (mode === 'bar' && !tty && (done % 10 === 0 || done === total)) logger.info(line(false));
        draw();
        break;
      }
      case 'retry':
        if (mode !== 'jsonl') {
          if (tty && mode === 'bar') process.stderr.write('\r\x1b[2K');
          logger.warn(`retrying ${event.id} (attempt ${event.attempt}) in ${duration(event.delayMs)}: ${event.error}`);
        }
        draw(true);
        break;
      case 'task-broken':
        if (mode !== 'jsonl') {
          if (tty && mode === 'bar') process.stderr.write('\r\x1b[2K');
          logger.warn(`task ${event.id} not run: ${event.problem}`);
        }
        draw(true);
        break;
      case 'host-down':
        if (tty && mode === 'bar') process.stderr.write('\r\x1b[2K');
        if (mode !== 'jsonl') logger.warn(`Docker host ${event.host} taken out: ${event.reason}`);
        break;
      case 'end':
        draw(true);
        if (mode === 'bar' && tty) process.stderr.write('\n');
        break;
    }
  };
}
