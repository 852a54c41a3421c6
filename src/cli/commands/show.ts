import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import pc from 'picocolors';
import { visible } from '../../util/terminal.js';
import { summarize } from './run.js';

export function registerShow(program: Command): void {
  program
    .command('show')
    .description("Print an episode's verdict, transcript and coloured diff")
    .argument('<episode-dir>', 'an episode folder: runs/<run>/episodes/<episode>')
    .option('--no-transcript', 'leave the transcript out')
    .option('--full', 'print long outputs whole instead of folded')
    .action(async (dir: string, flags: { transcript: boolean; full?: boolean }) => {
      // Loaded when the command runs, not at start-up (see main.ts).
      const { EPISODE_FILES, readEpisodeRecord } = await import('../../runs/record.js');
      const record = await readEpisodeRecord(dir);
      const out: string[] = [summarize(record, dir)];
      if (flags.transcript) out.push(await renderTranscript(join(dir, EPISODE_FILES.transcript), flags.full === true));
      const diffPath = join(dir, EPISODE_FILES.diff);
      if (existsSync(diffPath)) {
        const diff = await readFile(diffPath, 'utf8');
        out.push(pc.bold('\n── diff against the baseline ──\n'), diff.trim() === '' ? pc.dim('(no changes)\n') : colorDiff(diff));
      }
      process.stdout.write(out.join('\n'));
    });
}

/** Model text, folded; control characters made visible before anything is coloured around it. */
function fold(text: string, full: boolean, max = 40): string {
  // trimEnd, not /\s+$/: that regex backtracks quadratically on a long run of spaces.
  const lines = visible(text).trimEnd().split('\n');
  if (full || lines.length <= max) return lines.join('\n');
  return [...lines.slice(0, max / 2), pc.dim(`  … ${lines.length - max} lines folded (--full shows them) …`), ...lines.slice(-max / 2)].join('\n');
}

function indent(text: string): string {
  return text.replace(/^/gm, '    ');
}

export async function renderTranscript(path: string, full: boolean): Promise<string> {
  if (!existsSync(path)) return pc.dim('(no transcript)\n');
  const { modelCallSummary, parseTranscriptLine, readModelCall } = await import('../../agent/transcript.js');
  const out: string[] = [pc.bold('── transcript ──')];
  const lines = (await readFile(path, 'utf8')).split('\n').filter((l) => l.trim() !== '');
  for (const [i, line] of lines.entries()) {
    const parsed = parseTranscriptLine(line);
    if ('problem' in parsed) {
      out.push(pc.red(`line ${i + 1}: ${visible(parsed.problem)}`));
      continue;
    }
    const e = parsed.event;
    switch (e.type) {
      case 'system':
        out.push(pc.magenta('[system]'), indent(fold(e.content ?? '', full)));
        break;
      case 'user':
        out.push(pc.blue(e.pushback === true ? '[user — pushback]' : '[user]'), indent(fold(e.content ?? '', full)));
        break;
      case 'assistant':
        out.push(pc.green('[assistant]'));
        for (const r of e.reasoning ?? []) {
          out.push(pc.dim(r.type === 'thinking' ? '  [thinking]' : `  [redacted thinking: ${r.data.length} characters, encrypted]`));
          if (r.type === 'thinking') out.push(pc.dim(indent(fold(r.text, full))));
        }
        if ((e.text ?? '').trim() !== '') out.push(indent(fold(e.text ?? '', full)));
        for (const call of e.toolCalls ?? []) {
          const args = call.rawArguments ?? JSON.stringify(call.arguments);
          out.push(pc.cyan(`  → ${visible(call.name)} ${fold(args, full, 20)}`));
        }
        break;
      case 'tool_result':
        out.push((e.isError === true ? pc.red : pc.dim)(`  ← ${visible(e.tool ?? '')}${e.isError === true ? ' (error)' : ''}`), indent(fold(e.content ?? '', full)));
        break;
      case 'model_error':
        out.push(pc.red(`[model error] ${visible(e.message ?? '')}`));
        break;
      case 'model_call': {
        // One line per call a CLI agent made through the proxy; the whole request and reply are in the viewer.
        const call = readModelCall(e);
        const line = `  [model call${e.step === undefined ? '' : ` ${e.step}`}] ${call === null ? 'unreadable record' : modelCallSummary(call)}`;
        out.push((call === null || call.error !== null ? pc.red : pc.dim)(visible(line)));
        break;
      }
      case 'end':
        out.push(pc.bold(`[end: ${visible(e.reason ?? '')}]`));
        break;
      default:
        out.push(pc.dim(`[${visible(e.type)}]`));
    }
  }
  return `${out.join('\n')}\n`;
}

export function colorDiff(diff: string): string {
  return `${visible(diff)
    .split('\n')
    .map((l) =>
      l.startsWith('+++') || l.startsWith('---') || l.startsWith('diff --git')
        ? pc.bold(l)
        : l.startsWith('+')
          ? pc.green(l)
          : l.startsWith('-')
            ? pc.red(l)
            : l.startsWith('@@')
              ? pc.cyan(l)
              : l,
    )
    .join('\n')}\n`;
}
