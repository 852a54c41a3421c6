/**
 * Grading after hidden test access: the agent was shown neither the tests nor which paths they
 * hold, so a plain file it wrote at a protected path is its own (its tests, its config), not a
 * change of the task's. It is reported with the added tests; the pristine run leaves it out and
 * uses the task's. Shadows of the test machinery (a conftest.py, sitecustomize.py, ...) still count.
 */
import type { FileTree } from '../sandbox/file-tree.js';
import type { TreeComparison } from './changes.js';

export function withOwnFilesAtHiddenPaths(comparison: TreeComparison, final: FileTree): TreeComparison {
  const own = comparison.protectedChanges.filter((c) => c.kind === 'added' && final.get(c.path)?.kind === 'file');
  if (own.length === 0) return comparison;
  const ownPaths = new Set(own.map((c) => c.path));
  return {
    ...comparison,
    protectedChanges: comparison.protectedChanges.filter((c) => !ownPaths.has(c.path)),
    addedTests: [...new Set([...comparison.addedTests, ...ownPaths])].sort(),
  };
}
