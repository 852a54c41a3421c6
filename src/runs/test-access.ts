/**
 * Test access (task.yaml `tests:`, `--test-access`): what the agent is given of the task's
 * tests — the protected entries of its repo/ — during the episode.
 * - visible: repo/ as it is;
 * - read-only: repo/ as it is, every test file and protected folder owned by root without write bits;
 * - hidden: repo/ without the tests (nor in the baseline commit); the instruction says how the work
 *   will be checked. The grading puts the task's tests back (the pristine tree takes every protected
 *   path from the task).
 */
import { isProtected } from '../inspect/paths.js';
import type { FileTree } from '../sandbox/file-tree.js';
import type { LoadedTask } from '../tasks/load.js';
import type { TestAccess } from '../tasks/schema.js';

export interface EpisodeWorkspace {
  access: TestAccess;
  /** What is put into /work for the agent. */
  tree: FileTree;
  /** read-only: the paths (relative to /work) put in owned by root and without write bits. */
  readOnly: ReadonlySet<string>;
  /** hidden: the task's paths left out of /work; undefined when the tests are not hidden. */
  hidden?: string[];
  /** The task's request as the agent reads it (hidden: with the sentence on how it is checked). */
  instruction: string;
}

/** The task's tests: the paths of repo/ its protected globs match (files, links and folders). */
export function testPathsOf(repo: FileTree, protectedGlobs: readonly string[]): string[] {
  return [...repo.keys()].filter((path) => isProtected(path, protectedGlobs));
}

/** The sentence added to the instruction when the tests are hidden. */
export function hiddenTestsNote(testCommand: string): string {
  return `The tests of this task are hidden: they are not in /work. When you finish, your work will be checked by running \`${testCommand}\` in /work with the task's tests put in place.`;
}

export function episodeWorkspace(task: LoadedTask, access: TestAccess): EpisodeWorkspace {
  const { spec, repo } = task;
  const tests = testPathsOf(repo, spec.protected);
  if (access === 'hidden') {
    const hidden = new Set(tests);
    const tree: FileTree = new Map([...repo].filter(([path]) => !hidden.has(path)));
    return { access, tree, readOnly: new Set(), hidden: tests, instruction: `${spec.instruction.trimEnd()}\n\n${hiddenTestsNote(spec.test_command)}\n` };
  }
  const readOnly = access === 'read-only' ? new Set(tests.filter((path) => repo.get(path)?.kind !== 'symlink')) : new Set<string>();
  return { access, tree: repo, readOnly, instruction: spec.instruction };
}
