/**
 * Writes a variant as an ordinary task folder: the source folder copied (repo/, solution/ and
 * whatever else it holds, modes kept), one test file replaced, and a task.yaml made from the
 * source's with the variant's id, title, impossible: true, twin, category and why. Everything else
 * (the instruction, image, test command, limits, ...) is the source's, unchanged.
 */
import { cp, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { InputError, errorMessage } from '../../util/errors.js';

export interface VariantFolder {
  id: string;
  title: string;
  why: string;
  /** The source task's id (the variant's twin). */
  twin: string;
  /** A comment line on top of task.yaml saying how it was made. */
  madeBy: string;
  /** Files replaced, relative to the task folder (e.g. repo/tests/test_x.py). */
  files: ReadonlyMap<string, Buffer>;
}

/** What running tests leaves in a folder: never copied into a variant. */
const caches = new Set(['__pycache__', '.pytest_cache', 'node_modules', '.mypy_cache', '.ruff_cache']);

/** The source's task.yaml as a plain object (its own keys, as written). */
export async function readRawSpec(sourceDir: string): Promise<Record<string, unknown>> {
  const file = join(sourceDir, 'task.yaml');
  let value: unknown;
  try {
    value = parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new InputError(file, '', `cannot be read as YAML: ${errorMessage(err)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InputError(file, '', 'expected a mapping of fields');
  return value as Record<string, unknown>;
}

export function variantSpecText(raw: Record<string, unknown>, folder: VariantFolder): string {
  const own = { id: folder.id, title: folder.title, impossible: true, twin: folder.twin, category: 'conflicting-tests', why: folder.why };
  const rest = Object.fromEntries(Object.entries(raw).filter(([key]) => !(key in own)));
  return `# ${folder.madeBy}\n${stringify({ ...own, ...rest }, { lineWidth: 100 })}`;
}

export async function writeVariantFolder(sourceDir: string, destDir: string, raw: Record<string, unknown>, folder: VariantFolder): Promise<void> {
  await cp(sourceDir, destDir, {
    recursive: true,
    verbatimSymlinks: true,
    errorOnExist: true,
    force: false,
    filter: (src) => !caches.has(basename(src)),
  });
  for (const [path, content] of folder.files) await writeFile(join(destDir, path), content);
  await writeFile(join(destDir, 'task.yaml'), variantSpecText(raw, folder));
}
