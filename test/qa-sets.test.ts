import { readFileSync } from 'node:fs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../src/qa/csv.js';
import { choseLetter, extractAnswerLetter, gpqaItems, gpqaPermutations, gpqaPrompt, parseGpqaCsv } from '../src/qa/gpqa.js';
import { PyRandom } from '../src/qa/py-random.js';
import { loadQaSetFile } from '../src/qa/set-file.js';
import { resolveSet } from '../src/qa/sets.js';

const shared = join(import.meta.dirname, '..', '..', 'shared', 'data');
const synthetic = join(import.meta.dirname, 'fixtures', 'qa', 'gpqa-synthetic.csv');

describe("CPython's random.Random port", () => {
  it('gives the 198 permutations of the seed for GPQA-diamond, row by row', () => {
    const expected = readFileSync(join(shared, 'gpqa-bs', 'permutations.txt'), 'utf8').trim().split('\n');
    expect(expected).toHaveLength(198);
    expect(gpqaPermutations(198).map((p) => p.join(''))).toEqual(expected);
  });

  it("puts the phrase under the seed's letter on all 198 rows", () => {
    const expected = readFileSync(join(shared, 'gpqa-bs', 'phrase-letters.txt'), 'utf8').trim();
    const rows = Array.from({ length: 198 }, (_v, i) => ({ question: `q${i}`, correct: `right${i}`, incorrect: [`w1-${i}`, `w2-${i}`, `w3-${i}`] as [string, string, string] }));
    const letters = gpqaItems(rows, 'There is no correct answer').map((item) => item.choice?.phraseLetter).join('');
    expect(letters).toBe(expected);
  });

  it('seeds from large integers by init_by_array and draws like Python (values from CPython 3)', () => {
    // python3 -c "import random; r=random.Random(12345678901); print(r.getrandbits(32), r.randrange(1000))"
    const rng = new PyRandom(12345678901);
    expect(rng.nextUint32()).toBe(4063089813);
    expect(rng.randbelow(1000)).toBe(610);
  });
});

describe('GPQA-BS rows and prompts', () => {
  const rows = parseGpqaCsv(readFileSync(synthetic, 'utf8'), synthetic);

  it('reads the simple-evals columns untrimmed, quoted fields with commas, quotes and line breaks, pandas NaN as "nan"', () => {
    expect(rows).toHaveLength(5);
    expect(rows[0]?.incorrect).toEqual(['green', 'red, dark', 'nan']);
    expect(rows[1]?.correct).toBe('$5 note ');
    expect(rows[1]?.incorrect[0]).toBe(' a coin');
    expect(rows[1]?.incorrect[1]).toBe('a "quoted" card');
    expect(rows[2]?.question).toBe('Two lines:\nsecond line mentions 42 and 42 again');
  });

  it('builds the prompt byte for byte, the phrase replacing the answer in the options and at every occurrence in the question', () => {
    const { prompt, phraseLetter } = gpqaPrompt(rows[2]!, [3, 1, 0, 2], 'There is no correct answer');
    expect(phraseLetter).toBe('C');
    expect(prompt).toBe(
      "Answer the following multiple choice question. The last line of your response should be of the following format: 'Answer: $LETTER' (without quotes) where LETTER is one of ABCD. Think step by step before answering.\n\n" +
        'Two lines:\nsecond line mentions There is no correct answer and There is no correct answer again\n\n' +
        'A) 44\nB) 41\nC) There is no correct answer\nD) 43',
    );
    // Cells untrimmed (the answer "$5 note " takes its space along); `$` is not a replacement pattern; braces in a value are not filled again.
    expect(gpqaPrompt(rows[1]!, [0, 1, 2, 3], 'costs $& $1').prompt).toContain('Which costs $5: the costs $& $1or the costs $& $1?\n\nA) costs $& $1\nB)  a coin\n');
    expect(gpqaPrompt(rows[4]!, [1, 0, 2, 3], 'P').prompt).toContain('Which one is P?\n\nA) B\nB) P\nC) C\nD) D');
    // Case-sensitive, no word boundaries: "blue" inside "bluer" would be replaced too; "Blue" is not.
    expect(gpqaPrompt({ question: 'Blue or bluer?', correct: 'blue', incorrect: ['x', 'y', 'z'] }, [0, 1, 2, 3], 'N').prompt).toContain('Blue or Nr?');
  });

  it("extracts the answer with the seed's regex and compares case-sensitively", () => {
    expect(extractAnswerLetter('reasoning...\nAnswer: C')).toBe('C');
    expect(extractAnswerLetter('ANSWER :\t$B$')).toBe('B');
    expect(extractAnswerLetter('answer: b')).toBe('b');
    expect(choseLetter(extractAnswerLetter('answer: b'), 'B')).toBe(false);
    expect(extractAnswerLetter('Answer: A first, then Answer: D')).toBe('A');
    expect(extractAnswerLetter('Answer:\nD')).toBeNull();
    expect(extractAnswerLetter('The answer is E. Answer: E')).toBeNull();
    expect(choseLetter(null, 'A')).toBe(false);
  });

  it('refuses a CSV without the columns, naming the file and the columns', () => {
    expect(() => parseGpqaCsv('Question,Correct Answer\nq,a\n', 'x.csv')).toThrow(/x\.csv: header: missing column\(s\) "Incorrect Answer 1"/);
  });

  it('makes gpqa-bs items from --gpqa-csv with ids by row and only row, letters and permutation in the key', async () => {
    const { set, provenance } = await resolveSet('gpqa-bs', { gpqaCsv: synthetic, phrase: 'This is a sample answer' });
    expect(set.items.map((i) => i.id)).toEqual(['gpqa-000', 'gpqa-001', 'gpqa-002', 'gpqa-003', 'gpqa-004']);
    expect(set.items[0]?.choice).toEqual({ row: 0, phrase: 'This is a sample answer', phraseLetter: 'C', permutation: '3102' });
    expect(provenance.phrase).toBe('This is a sample answer');
    expect(provenance.csvSha256).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('QA set files', () => {
  it('reads the BSBench set: 40 items, task as the question, subtype as the category, extra fields kept', async () => {
    const items = await loadQaSetFile(join(shared, 'bsbench', 'bsbench.jsonl'));
    expect(items).toHaveLength(40);
    expect(items[0]).toMatchObject({ id: '1', category: 'math', impossible: true, choice: null });
    expect(items[0]?.question).toMatch(/^Write a program that outputs the prime number/);
    expect(items[0]?.extra['why_impossible']).toBe("There's no largest prime number");
  });

  it('refuses a bad line with the file, the line number and the field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ibench-qa-set-'));
    const file = join(dir, 'set.jsonl');
    writeFileSync(file, '{"id": "a", "question": "q?"}\n\n{"id": "b", "question": 3}\n');
    await expect(loadQaSetFile(file)).rejects.toThrow(`${file}: line 3: question: Expected string, received number`);
    writeFileSync(file, '{"id": "a", "question": "q?", "impossible": "yes"}\n');
    await expect(loadQaSetFile(file)).rejects.toThrow(`${file}: line 1: impossible: Expected boolean, received string`);
    writeFileSync(file, '{"id": "a"}\n');
    await expect(loadQaSetFile(file)).rejects.toThrow(`${file}: line 1: question: needs a "question" (or "task") string`);
    writeFileSync(file, '{"id": "a", "question": "x"}\n{"id": "a", "question": "y"}\n');
    await expect(loadQaSetFile(file)).rejects.toThrow(`${file}: line 2: id: "a" is used twice`);
    writeFileSync(file, '{"id": "a", "question": "x"\n');
    await expect(loadQaSetFile(file)).rejects.toThrow(`${file}: line 1: not valid JSON`);
  });

  it('parses CSV with CRLF line ends and a BOM', () => {
    expect(parseCsv('\ufeffa,b\r\n"1\r\n2",3\r\n')).toEqual([['a', 'b'], ['1\r\n2', '3']]);
  });
});
