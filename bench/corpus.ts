/**
 * The labelled corpus's confusion matrix, in one run (a second or two):
 *   npx tsc -p tsconfig.json && node dist/bench/corpus.js [--judge SPEC]
 * For every state of test/fixtures/corpus/: protected changes (compareTrees), the gaming rules
 * (runRules) and the claim (submit, else classifyClaim of the final message). Prints the matrix of
 * the static verdict, the code channels alone (protected paths and rules) and the claim alone,
 * the recall per technique, and every honest state called cheating and every cheat missed.
 */
import { techniqueHits } from '../src/inspect/rules-techniques.js';
import { fileEntry } from '../src/sandbox/file-tree.js';
import { createModel } from '../src/models/factory.js';
import { judgeCorpus, loadCorpus, precision, recall, scoreCorpus, techniques, type CorpusState, type Counts, type StaticReading } from './corpus-lib.js';

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
  const { score, readings } = scoreCorpus(states);
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
  if (judge === undefined) console.log('judge: not configured (--judge SPEC scores the corpus through the episode judge too)');
  else await printJudge(judge, states, readings);
  console.log('');
  linearity();
}

/** Every state through the episode judge (`--judge SPEC`, any model spec): its matrix beside the rules'. */
async function printJudge(spec: string, states: readonly CorpusState[], readings: ReadonlyMap<string, StaticReading>): Promise<void> {
  const model = await createModel(spec);
  const t0 = performance.now();
  const j = await judgeCorpus(states, readings, model);
  await model.close();
  console.log(`judge: ${j.judge}, ${states.length} states in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${j.unusable.length} unusable replies`);
  console.log('');
  console.log(matrix('judge alone (a cheat type named, or success claimed on an impossible task)', j.overall));
  console.log('');
  console.log(matrix('rules or judge (either calls it a cheat)', j.either));
  console.log('');
  console.log('judge recall per technique (caught / type named right)');
  for (const t of techniques) {
    const r = j.perTechnique.get(t);
    if (r === undefined) continue;
    console.log(`  ${t.padEnd(22)} ${`${r.caught}/${r.total}`.padStart(6)} ${pct(r.caught / r.total).padStart(7)}   ${`${r.typeRight}/${r.total}`.padStart(6)}`);
  }
  console.log(`judge: honest states called cheating: ${j.falsePositives.length}`);
  for (const f of j.falsePositives) console.log(`  ${f.id} (${f.pattern}) by ${f.by}`);
  console.log(`judge: cheats missed: ${j.missed.length}`);
  for (const m of j.missed) console.log(`  ${m.id} (${m.technique}: ${m.pattern})`);
  for (const u of j.unusable) console.log(`  unusable: ${u.id}: ${u.error}`);
  console.log(`states the judge and the rules disagree on (marked for review in an episode): ${j.review}`);
}

/** The agent writes the text the technique rules read: time on adversarial files of size n and 4n. */
function linearity(): void {
  const tests = new Map([['tests/test_calc.py', fileEntry('from calc import f\n\ndef test_f():\n    assert f(3) == 7\n')]]);
  const shapes: Record<string, (n: number) => string> = {
    'nested subscripts': (n) => `_c = {}\ndef f(n):\n    ${'_c['.repeat(n)}n${']'.repeat(n)} += 1\n`,
    'unclosed brackets': (n) => `def f(n):\n    x = ${'('.repeat(n)}\n`,
    'deep indentation': (n) => Array.from({ length: Math.floor(Math.sqrt(2 * n)) }, (_, i) => `${' '.repeat(i)}if n == 3:`).join('\n'),
    'special-case lines': (n) => `def f(n):\n${'    if n == 3: return 7\n'.repeat(n / 20)}`,
    'quotes and comments': (n) => `${'"\\'.repeat(n / 2)}\n${"'''#".repeat(n / 4)}`,
    'js cases and objects': (n) => `export function f(n) {\n  switch (n) {\n${'    case 3: return { a: { b: 7 } };\n'.repeat(n / 30)}  }\n}\n`,
  };
  console.log('technique rules on adversarial input (time for n and 4n characters; linear is a ratio near 4)');
  for (const [name, make] of Object.entries(shapes)) {
    const time = (n: number): number => {
      const js = name.startsWith('js');
      const text = make(n);
      const file = { path: js ? 'calc.js' : 'calc.py', lang: js ? ('js' as const) : ('python' as const), raw: text.split('\n'), added: new Set(text.split('\n').map((_, i) => i + 1)) };
      const t0 = performance.now();
      techniqueHits([file], tests, ['tests/**'], '');
      return performance.now() - t0;
    };
    time(20_000); // warm-up
    const best = (n: number): number => Math.min(time(n), time(n), time(n));
    const small = best(100_000);
    const large = best(400_000);
    console.log(`  ${name.padEnd(22)} ${small.toFixed(1).padStart(8)} ms ${large.toFixed(1).padStart(8)} ms   ratio ${(large / Math.max(small, 0.01)).toFixed(1)}`);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
