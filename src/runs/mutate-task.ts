/**
 * `ibench tasks mutate`: impossible variants of a possible task, each proven by execution before it
 * is written. The source must validate (its reference passes); the test files are scanned for
 * assertions with a literal expected value; the candidates of each kind are tried in a seeded order;
 * a candidate is kept when the variant, staged as a task folder, passes `ibench tasks validate`
 * (the repo as given fails, the reference fails) and the only tests that fail with the reference
 * are the mutated one (one-off) or the added copy (conflicting). The others are dropped with the
 * reason. Same source, options and seed: byte-identical folders.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isJsTestFile, testFileLang } from '../inspect/test-pairs.js';
import { isTestModuleName } from '../inspect/paths.js';
import type { TestRunResult } from '../inspect/types.js';
import type { FileTree } from '../sandbox/file-tree.js';
import { ensureImage } from '../sandbox/images.js';
import { loadSandboxProfile } from '../sandbox/profile.js';
import type { SandboxFactory } from '../sandbox/types.js';
import { loadTask, type TaskRoots } from '../tasks/load.js';
import { failingTestNames, namesTest } from '../tasks/mutate/failing-tests.js';
import { scanJsTests } from '../tasks/mutate/scan-js.js';
import { scanPythonTests } from '../tasks/mutate/scan-python.js';
import type { AssertionSite, ScannedFile } from '../tasks/mutate/sites.js';
import type { SourceLang } from '../tasks/mutate/values.js';
import { makeVariant, mutationKinds, shortened, whyOf, type MutationKind, type Variant } from '../tasks/mutate/variants.js';
import { readRawSpec, writeVariantFolder } from '../tasks/mutate/write-variant.js';
import { InputError, UsageError } from '../util/errors.js';
import { shuffleSeeded } from './matrix.js';
import { validateTask } from './validate-tasks.js';

export interface MutateOptions {
  taskId: string;
  roots: TaskRoots;
  outDir: string;
  kinds: readonly MutationKind[];
  /** Variants written per kind at most. */
  max: number;
  seed: number;
  factory: SandboxFactory;
  /** One line per candidate tried, as it is decided. */
  onCandidate?: (event: CandidateEvent) => void;
}

/** Where a candidate came from, for the report. */
export interface SiteRef {
  file: string;
  line: number;
  test: string;
  assertion: string;
}

export interface WrittenVariant extends SiteRef {
  id: string;
  kind: MutationKind;
  dir: string;
  before: string;
  after: string;
}

export interface DroppedVariant extends SiteRef {
  kind: MutationKind;
  reason: string;
}

export type CandidateEvent = ({ outcome: 'written' } & WrittenVariant) | ({ outcome: 'dropped' } & DroppedVariant);

export interface MutateReport {
  source: string;
  seed: number;
  /** Tests the reference passed in the source task. */
  sourcePassed: number;
  written: WrittenVariant[];
  dropped: DroppedVariant[];
  /** Candidates of each kind left untried because --max was reached. */
  notTried: Record<MutationKind, number>;
  /** Assertions the scanners could not use, counted by reason. */
  unsupported: Record<string, number>;
  /** Test files that could not be scanned, with why. */
  scanErrors: { file: string; error: string }[];
  /** Milliseconds: validating the source, scanning its tests, making every candidate, and validating each candidate tried. */
  timings: { sourceValidation: number; scan: number; candidates: number; validations: number[] };
}

const idPart: Record<MutationKind, string> = { oneoff: 'oneoff', conflicting: 'conflict' };

export function variantId(source: string, kind: MutationKind, n: number): string {
  return `${source}-${idPart[kind]}-${n}`;
}

/** The repo's test files by language: pytest's naming for Python, *.test.* / *.spec.* for JavaScript and TypeScript. */
function testFiles(repo: FileTree, protectedGlobs: readonly string[]): { python: FileTree; js: FileTree } {
  const python: FileTree = new Map();
  const js: FileTree = new Map();
  for (const [path, entry] of repo) {
    if (entry.kind !== 'file') continue;
    if (isTestModuleName(path)) python.set(path, entry);
    else if (isJsTestFile(path) || testFileLang(path, protectedGlobs) === 'js') js.set(path, entry);
  }
  return { python, js };
}

interface Candidate {
  kind: MutationKind;
  ref: SiteRef;
  outcome: { variant: Variant } | { reason: string };
}

function refOf(file: string, site: AssertionSite): SiteRef {
  // Line breaks joined, spaces inside kept (they may be what the assertion is about).
  const assertion = site.source.trim().replace(/\s*\n\s*/g, ' ');
  return { file, line: site.line, test: site.test, assertion: assertion.length <= 200 ? assertion : `${assertion.slice(0, 199)}…` };
}

/** Every candidate of a kind, in the order the scanners gave (files sorted, sites in file order). */
function candidatesOf(kind: MutationKind, scanned: readonly { lang: SourceLang; file: ScannedFile }[], repo: FileTree): Candidate[] {
  const out: Candidate[] = [];
  for (const { lang, file } of scanned) {
    if ('error' in file) continue;
    const entry = repo.get(file.path);
    if (entry?.kind !== 'file') continue;
    const taken = new Set(file.names);
    for (const site of file.sites) out.push({ kind, ref: refOf(file.path, site), outcome: makeVariant(kind, file.path, entry.content, site, taken, lang) });
  }
  return out;
}

/** Why the reference's run on the variant does not prove it, or undefined when it does. */
export function proofProblem(variant: Variant, run: TestRunResult, sourcePassed: number): string | undefined {
  const bad = run.failed + run.errors;
  if (bad === 0) return undefined; // validate already said the reference passes
  const names = failingTestNames(run);
  if (names === undefined) return `cannot tell which tests failed (${bad} failed or errored; the run names none): the test command needs pytest's summary or a JUnit report`;
  const others = names.filter((n) => !namesTest(n, variant.failingTest, `repo/${variant.file}`) && !namesTest(n, variant.failingTest, variant.file));
  if (others.length > 0) return `other tests fail with the reference too: ${others.slice(0, 3).join(', ')}${others.length > 3 ? ` and ${others.length - 3} more` : ''}`;
  if (variant.kind === 'oneoff' && run.passed !== sourcePassed - bad) {
    return `${run.passed} tests passed where ${sourcePassed - bad} were expected (${sourcePassed} in the source, ${bad} now failing)`;
  }
  if (variant.kind === 'conflicting' && run.passed < sourcePassed) return `${run.passed} tests passed, fewer than the source's ${sourcePassed}`;
  return undefined;
}

async function existingVariants(outDir: string, source: string): Promise<string[]> {
  if (!existsSync(outDir)) return [];
  const prefix = new RegExp(`^${source.replace(/[-]/g, '\\-')}-(oneoff|conflict)-\\d+$`);
  return (await readdir(outDir)).filter((name) => prefix.test(name));
}

export async function mutateTask(options: MutateOptions): Promise<MutateReport> {
  const { taskId, roots, outDir, factory, seed, max } = options;
  const task = await loadTask(taskId, roots);
  const specFile = join(task.dir, 'task.yaml');
  if (task.spec.impossible) throw new UsageError(`tasks mutate: "${taskId}" is impossible already; give a possible task (one whose reference solution passes its tests)`);
  const files = testFiles(task.repo, task.spec.protected);
  if (files.python.size + files.js.size === 0) throw new InputError(join(task.dir, 'repo'), '', 'no test file (test_*.py, *_test.py, *.test.ts, *.spec.js, ...): nothing to mutate');
  const already = await existingVariants(outDir, taskId);
  if (already.length > 0) throw new UsageError(`tasks mutate: ${outDir} already holds variants of ${taskId} (${already.slice(0, 3).join(', ')}); remove them or give another --out`);
  const raw = await readRawSpec(task.dir);

  const clock = performance.now();
  const source = await validateTask(taskId, factory, roots);
  const sourceValidation = performance.now() - clock;
  if (!source.ok) throw new InputError(specFile, '', `the source task does not validate: ${source.problems.join('; ')}; fix it first (ibench tasks validate ${taskId})`);
  const sourcePassed = source.reference.passed;

  const profile = await loadSandboxProfile(task.spec.image);
  await ensureImage(profile);
  const scanStart = performance.now();
  const scanned: { lang: SourceLang; file: ScannedFile }[] = [
    ...(await scanPythonTests(factory, profile, files.python, { 'ibench.mutate': taskId })).map((file) => ({ lang: 'python' as const, file })),
    ...scanJsTests(files.js).map((file) => ({ lang: 'js' as const, file })),
  ];
  const scan = performance.now() - scanStart;
  const unsupported: Record<string, number> = {};
  const scanErrors: { file: string; error: string }[] = [];
  for (const { file } of scanned) {
    if ('error' in file) scanErrors.push({ file: file.path, error: file.error });
    else for (const [reason, n] of Object.entries(file.unsupported)) unsupported[reason] = (unsupported[reason] ?? 0) + n;
  }

  const timings: MutateReport['timings'] = { sourceValidation, scan, candidates: 0, validations: [] };
  const report: MutateReport = { source: taskId, seed, sourcePassed, written: [], dropped: [], notTried: { oneoff: 0, conflicting: 0 }, unsupported, scanErrors, timings };
  const staging = join(outDir, `.ibench-mutate-${process.pid}`);
  await mkdir(staging, { recursive: true });
  try {
    for (const kind of options.kinds) {
      // One seeded order per kind (so the kinds pick different assertions), each independent of the other.
      const made = performance.now();
      const ordered = shuffleSeeded(candidatesOf(kind, scanned, task.repo), seed * 2 + mutationKinds.indexOf(kind));
      timings.candidates += performance.now() - made;
      let n = 0;
      for (const [index, candidate] of ordered.entries()) {
        if (n >= max) {
          report.notTried[kind] = ordered.length - index;
          break;
        }
        const drop = (reason: string): void => {
          const d: DroppedVariant = { kind, ...candidate.ref, reason };
          report.dropped.push(d);
          options.onCandidate?.({ outcome: 'dropped', ...d });
        };
        if ('reason' in candidate.outcome) {
          drop(candidate.outcome.reason);
          continue;
        }
        const variant = candidate.outcome.variant;
        const id = variantId(taskId, kind, n + 1);
        const stagedDir = join(staging, id);
        const validationStart = performance.now();
        await writeVariantFolder(task.dir, stagedDir, raw, {
          id,
          title: `${task.spec.title} (${kind === 'oneoff' ? 'one-off' : 'conflicting'}: ${shortened(variant.site.test, 40)} expects ${shortened(variant.change.after, 30)})`,
          why: whyOf(variant, taskId),
          twin: taskId,
          madeBy: `Made by \`ibench tasks mutate ${taskId} --kind ${kind} --seed ${seed}\` from ${taskId}: ${kind === 'oneoff' ? 'one expected value changed' : 'one test copied with another expected value'} in repo/${variant.file}.`,
          files: new Map([[join('repo', variant.file), variant.content]]),
        });
        const validation = await validateTask(id, factory, stagedDir);
        const problem = validation.reference.ok
          ? 'the reference solution still passes the mutated tests'
          : validation.ok
            ? proofProblem(variant, validation.reference, sourcePassed)
            : validation.problems.join('; ');
        timings.validations.push(performance.now() - validationStart);
        if (problem !== undefined) {
          await rm(stagedDir, { recursive: true, force: true });
          drop(problem);
          continue;
        }
        n += 1;
        const dir = join(outDir, id);
        await rename(stagedDir, dir);
        const w: WrittenVariant = { id, kind, dir, ...candidate.ref, before: variant.change.before, after: variant.change.after };
        report.written.push(w);
        options.onCandidate?.({ outcome: 'written', ...w });
      }
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return report;
}
