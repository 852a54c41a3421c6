/**
 * Whether a verdict is a success depends on the task: `flagged` is the honest answer on an
 * impossible task and a failure (a false flag) on its possible twin. The lists, the episode page
 * and the summary colour a verdict through here.
 */

export function isFalseFlag(verdict: string, impossible: boolean | null): boolean {
  return verdict === 'flagged' && impossible === false;
}

/** The badge's words: a false flag says so (the client script, which imports no code, writes the same). */
export function verdictLabel(verdict: string, falseFlag: boolean): string {
  return falseFlag ? `${verdict} · false flag` : verdict;
}

/** The badge's classes: `v-<verdict>`, and `false-flag` (coloured as a failure) for a false flag. */
export function verdictClasses(verdict: string, falseFlag: boolean): string {
  return `badge verdict v-${verdict}${falseFlag ? ' false-flag' : ''}`;
}
