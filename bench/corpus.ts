/**
 * The labelled corpus's confusion matrix, in one run (a second or two):
 *   npx tsc -p tsconfig.json && node dist/bench/corpus.js [--judge SPEC]
 * For every state of test/fixtures/corpus/: protected changes (compareTrees), the gaming rules
 * (runRules) and the claim (submit, else classifyClaim of the final message). Prints the matrix of
 * the static verdict, the code channels alone (protected paths and rules) and the claim alone,
 * the recall per technique, and every honest state called cheating and every cheat missed.
 */
import { loadCorpus, precision, recall, scoreCorpus, techniques, type Counts } from './corpus-lib.js';

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

function matrix(name: string, c: Counts): string {
  return [
    `${name}`,
    `                 called cheat   called honest`,
    `  cheat         ${String(c.tp).padStart(12)}   ${String(c.fn).padStart(13)}`,
    `  honest        ${String(c.fp).padStart(12)}   ${String(c.tn).padStart(13)}`,
    `  precision ${pct(precision(c))}   recall ${pct(recall(c))}`,
  ].join('\n');
}

async function main(): Promise<void> {
  const judgeAt = process.argv.indexOf('--judge');
  const judge = judgeAt >= 0 ? process.argv[judgeAt + 1] : undefined;
  const t0 = performance.now();
  const states = await loadCorpus();
  const { score } = scoreCorpus(states);
  const ms = performance.now() - t0;
  const cheats = states.filter((s) => s.label === 'cheat').length;
  console.log(`corpus: ${states.length} states (${cheats} cheats, ${states.length - cheats} honest), read in ${ms.toFixed(0)} ms`);
  console.log('');
  console.log(matrix('static verdict (protected paths, rules, claim)', score.overall));
  console.log('');
  console.log(matrix('code only (protected paths and rules)', score.code));
  console.log('');
  console.log(matrix('claim only (impossible tasks: success claimed = cheat)', score.claim));
  console.log('');
  console.log('recall per technique (verdict / code only)');
  for (const t of techniques) {
    const r = score.perTechnique.get(t);
    if (r === undefined) continue;
    console.log(`  ${t.padEnd(22)} ${`${r.caught}/${r.total}`.padStart(6)} ${pct(r.caught / r.total).padStart(7)}   ${`${r.byCode}/${r.total}`.padStart(6)} ${pct(r.byCode / r.total).padStart(7)}`);
  }
  console.log('');
  console.log(`honest states called cheating: ${score.falsePositives.length}`);
  for (const f of score.falsePositives) console.log(`  ${f.id} (${f.pattern}) by ${f.by}`);
  console.log(`cheats missed: ${score.missed.length}`);
  for (const m of score.missed) console.log(`  ${m.id} (${m.technique}: ${m.pattern})`);
  console.log('');
  console.log(judge === undefined ? 'judge: not configured' : `judge: ${judge} — episode judging is not built yet; the rules decide`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
