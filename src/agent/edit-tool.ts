import { posix } from 'node:path';
import type { Sandbox } from '../sandbox/types.js';
import { errorMessage } from '../util/errors.js';
import { shellQuote } from '../util/shell-quote.js';
import type { EditInput } from './tools.js';

/** What the edit tool needs from the sandbox; every operation runs as the agent user. */
export interface EditFs {
  kind(path: string): Promise<'file' | 'dir' | 'missing'>;
  read(path: string): Promise<string>;
  write(path: string, content: string): Promise<void>;
  list(path: string): Promise<string[]>;
}

export class EditToolError extends Error {
  override name = 'EditToolError';
}

const SNIPPET_LINES = 4;

/** The bounds of the edit tool's sandbox operations: the episode's deadline (epoch ms) and its abort signal. */
export interface EditBounds {
  deadline?: number;
  signal?: AbortSignal;
}

export function sandboxEditFs(sandbox: Sandbox, bounds: EditBounds = {}): EditFs {
  /** Each operation gets at most `ms`, and never more than the time the episode has left. */
  const within = (ms: number): { timeoutMs: number; signal?: AbortSignal } => ({
    timeoutMs: bounds.deadline === undefined ? ms : Math.max(1, Math.min(ms, bounds.deadline - Date.now())),
    ...(bounds.signal === undefined ? {} : { signal: bounds.signal }),
  });
  return {
    async kind(path) {
      const r = await sandbox.exec(
        `if [ -d ${shellQuote(path)} ]; then echo dir; elif [ -e ${shellQuote(path)} ]; then echo file; else echo missing; fi`,
        within(30_000),
      );
      const out = r.stdout.text.trim();
      return out === 'dir' || out === 'file' ? out : 'missing';
    },
    async read(path) {
      try {
        return (await sandbox.readFile(path, within(60_000))).toString('utf8');
      } catch (err) {
        throw new EditToolError(`Cannot read ${path}: ${errorMessage(err)}`);
      }
    },
    async write(path, content) {
      try {
        await sandbox.writeFile(path, content, within(60_000));
      } catch (err) {
        throw new EditToolError(`Cannot write ${path}: ${errorMessage(err)}`);
      }
    },
    async list(path) {
      const r = await sandbox.exec(`find ${shellQuote(path)} -maxdepth 2 -not -path '*/.*' | sort | head -n 500`, within(30_000));
      return r.stdout.text.split('\n').filter((l) => l !== '');
    },
  };
}

/**
 * Why an edit may not write `path` when the task's tests are read-only (`readOnly`: the test paths
 * relative to the workdir, files and folders), or undefined when it may.
 */
export function readOnlyReason(path: string, workdir: string, readOnly: ReadonlySet<string>): string | undefined {
  if (readOnly.size === 0) return undefined;
  const root = posix.normalize(`${workdir}/`);
  if (!path.startsWith(root)) return undefined;
  const rel = path.slice(root.length);
  const why = "the task's tests are read-only in this episode (test access: read-only), so they cannot be changed.";
  if (readOnly.has(rel)) return `${path} is read-only: ${why}`;
  for (let i = rel.lastIndexOf('/'); i > 0; i = rel.lastIndexOf('/', i - 1)) {
    const folder = rel.slice(0, i);
    if (readOnly.has(folder)) return `${path} is in ${root}${folder}/, which is read-only: ${why}`;
  }
  return undefined;
}

export function resolveAgentPath(path: string, workdir: string): string {
  return posix.normalize(path.startsWith('/') ? path : posix.join(workdir, path));
}

function numbered(content: string, firstLine: number): string {
  return content
    .split('\n')
    .map((line, i) => `${String(i + firstLine).padStart(6)}\t${line}`)
    .join('\n');
}

function snippetAround(content: string, line: number, extraLines: number): string {
  const lines = content.split('\n');
  const start = Math.max(0, line - SNIPPET_LINES);
  const end = Math.min(lines.length, line + SNIPPET_LINES + extraLines + 1);
  return numbered(lines.slice(start, end).join('\n'), start + 1);
}

/**
 * Runs one edit command with the semantics of Anthropic's text-editor tool; a write to a read-only
 * test (`readOnly`, relative to the workdir) is refused with one line saying why. Returns the text shown to the model; throws EditToolError for what the model got wrong.
 */
export async function runEdit(fs: EditFs, input: EditInput, workdir: string, readOnly: ReadonlySet<string> = new Set()): Promise<string> {
  const path = resolveAgentPath(input.path, workdir);
  if (input.command !== 'view') {
    const reason = readOnlyReason(path, workdir, readOnly);
    if (reason !== undefined) throw new EditToolError(reason);
  }
  const kind = await fs.kind(path);
  switch (input.command) {
    case 'view': {
      if (kind === 'missing') throw new EditToolError(`The path ${path} does not exist.`);
      if (kind === 'dir') {
        if (input.view_range !== undefined) throw new EditToolError('view_range is not allowed when path is a directory.');
        const entries = await fs.list(path);
        return `Here are the files and directories up to 2 levels deep in ${path}, excluding hidden items:\n${entries.join('\n')}`;
      }
      const content = await fs.read(path);
      if (input.view_range === undefined) return `Here's the result of running \`cat -n\` on ${path}:\n${numbered(content, 1)}`;
      const lines = content.split('\n');
      const [first, lastRaw] = input.view_range as [number, number];
      const last = lastRaw === -1 ? lines.length : lastRaw;
      if (first < 1 || first > lines.length) {
        throw new EditToolError(`Invalid view_range [${first}, ${lastRaw}]: the first line must be within [1, ${lines.length}].`);
      }
      if (last < first || last > lines.length) {
        throw new EditToolError(`Invalid view_range [${first}, ${lastRaw}]: the last line must be within [${first}, ${lines.length}] or -1.`);
      }
      return `Here's the result of running \`cat -n\` on ${path}:\n${numbered(lines.slice(first - 1, last).join('\n'), first)}`;
    }
    case 'create': {
      if (input.file_text === undefined) throw new EditToolError('Parameter `file_text` is required for command: create.');
      if (kind === 'dir') throw new EditToolError(`${path} is a directory.`);
      if (kind === 'file') {
        throw new EditToolError(`File already exists at: ${path}. Cannot overwrite files using command \`create\`; use str_replace.`);
      }
      await fs.write(path, input.file_text);
      return `File created successfully at: ${path}`;
    }
    case 'str_replace': {
      if (input.old_str === undefined) throw new EditToolError('Parameter `old_str` is required for command: str_replace.');
      if (kind !== 'file') throw new EditToolError(`The path ${path} is not a file.`);
      const content = await fs.read(path);
      const oldStr = input.old_str;
      const newStr = input.new_str ?? '';
      if (oldStr === '') throw new EditToolError('Parameter `old_str` must not be empty.');
      const first = content.indexOf(oldStr);
      if (first === -1) throw new EditToolError(`No replacement was performed, old_str \`${oldStr}\` did not appear verbatim in ${path}.`);
      const second = content.indexOf(oldStr, first + 1);
      if (second !== -1) {
        const lineOf = (index: number): number => content.slice(0, index).split('\n').length;
        const lines: number[] = [];
        for (let i = first; i !== -1; i = content.indexOf(oldStr, i + 1)) lines.push(lineOf(i));
        throw new EditToolError(
          `No replacement was performed. Multiple occurrences of old_str \`${oldStr}\` in lines ${JSON.stringify(lines)}. Please ensure it is unique.`,
        );
      }
      const updated = content.slice(0, first) + newStr + content.slice(first + oldStr.length);
      await fs.write(path, updated);
      const line = content.slice(0, first).split('\n').length;
      return (
        `The file ${path} has been edited. Here's the result of running \`cat -n\` on a snippet of ${path}:\n` +
        `${snippetAround(updated, line - 1, newStr.split('\n').length - 1)}\nReview the changes and make sure they are as expected.`
      );
    }
    case 'insert': {
      const text = input.new_str ?? input.insert_text;
      if (input.insert_line === undefined) throw new EditToolError('Parameter `insert_line` is required for command: insert.');
      if (text === undefined) throw new EditToolError('Parameter `new_str` is required for command: insert.');
      if (kind !== 'file') throw new EditToolError(`The path ${path} is not a file.`);
      const content = await fs.read(path);
      const lines = content.split('\n');
      if (input.insert_line > lines.length) {
        throw new EditToolError(`Invalid insert_line ${input.insert_line}: it must be within [0, ${lines.length}].`);
      }
      const inserted = text.split('\n');
      const updated = [...lines.slice(0, input.insert_line), ...inserted, ...lines.slice(input.insert_line)].join('\n');
      await fs.write(path, updated);
      return (
        `The file ${path} has been edited. Here's the result of running \`cat -n\` on a snippet of the edited file:\n` +
        `${snippetAround(updated, input.insert_line, inserted.length - 1)}\nReview the changes and make sure they are as expected.`
      );
    }
  }
}
