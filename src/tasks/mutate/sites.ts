/**
 * What a test scanner reports (the Python one in the sandbox, the TypeScript one on the host): each
 * assertion whose expected value is a literal, with byte spans into the file as stored, and the test
 * function around it (for a conflicting copy).
 */
import { z } from 'zod';

const span = z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]).refine(([a, b]) => a <= b, 'a span [start, end] with start <= end');
export type Span = z.infer<typeof span>;

export type Literal =
  | { t: 'bool'; v: boolean; s: Span; spell?: { true: string; false: string } | undefined }
  | { t: 'int'; v: string; s: Span }
  | { t: 'float'; v: number; s: Span }
  | { t: 'str'; v: string; s: Span }
  | { t: 'bytes'; v: string; s: Span }
  | { t: 'none'; s: Span }
  | { t: 'list' | 'tuple' | 'set' | 'array'; items: Literal[]; s: Span }
  | { t: 'dict' | 'object'; keys: Literal[]; items: Literal[]; s: Span };

export const literalSchema: z.ZodType<Literal, z.ZodTypeDef, unknown> = z.lazy(() =>
  z.union([
    z.object({ t: z.literal('bool'), v: z.boolean(), s: span, spell: z.object({ true: z.string(), false: z.string() }).strict().optional() }).strict(),
    z.object({ t: z.literal('int'), v: z.string().regex(/^-?\d+$/), s: span }).strict(),
    z.object({ t: z.literal('float'), v: z.number().finite(), s: span }).strict(),
    z.object({ t: z.literal('str'), v: z.string(), s: span }).strict(),
    z.object({ t: z.literal('bytes'), v: z.string().regex(/^([0-9a-f]{2})*$/), s: span }).strict(),
    z.object({ t: z.literal('none'), s: span }).strict(),
    z.object({ t: z.enum(['list', 'tuple', 'set', 'array']), items: z.array(literalSchema), s: span }).strict(),
    z.object({ t: z.enum(['dict', 'object']), keys: z.array(literalSchema), items: z.array(literalSchema), s: span }).strict(),
  ]),
);

export const testFunctionSchema = z
  .object({
    name: z.string().min(1),
    /** From the start of the line of its first decorator to the end of its last line (newline included). */
    start: z.number().int().nonnegative(),
    end: z.number().int().nonnegative(),
    nameStart: z.number().int().nonnegative(),
    nameEnd: z.number().int().nonnegative(),
    /** Column of the definition: 0 at module level. */
    indent: z.number().int().nonnegative(),
    /** Marked skip / skipif / xfail (itself, its class or its module). */
    skipped: z.boolean(),
  })
  .strict();
export type TestFunction = z.infer<typeof testFunctionSchema>;

export const siteSchema = z
  .object({
    /** compare: `assert a == LIT`; truth: `assert f(x)` / `assert not f(x)`; unittest: self.assertX; parametrize: a row; helper: a call of an asserting helper; expect: expect(x).toBe(LIT). */
    form: z.enum(['compare', 'truth', 'unittest', 'parametrize', 'helper', 'node-assert', 'expect']),
    /** The test as the runner names it, without the file: `test_x`, `TestC::test_x`, `suite > case`. */
    test: z.string().min(1),
    fn: testFunctionSchema,
    line: z.number().int().positive(),
    /** The assertion's (or the row's) source text. */
    source: z.string(),
    expected: literalSchema,
    /** What the expected value is compared with (source text), for messages. */
    actual: z.string(),
    skipped: z.boolean(),
    note: z.string().optional(),
    /**
     * The rows live outside the test (a module-level list named in the decorator): `ref` is the
     * name's span in the test, `def` the list's span. A copy of the test gets the list written in.
     */
    inline: z.object({ ref: span, def: span }).strict().optional(),
  })
  .strict();
export type AssertionSite = z.infer<typeof siteSchema>;

export const scannedFileSchema = z.union([
  z.object({ path: z.string(), error: z.string() }).strict(),
  z
    .object({
      path: z.string(),
      sites: z.array(siteSchema),
      /** Assertions left out, counted by reason. */
      unsupported: z.record(z.number().int().nonnegative()),
      /** Every function and class name defined in the file (a copy's new name must be free). */
      names: z.array(z.string()),
    })
    .strict(),
]);
export type ScannedFile = z.infer<typeof scannedFileSchema>;

export const scanOutputSchema = z.object({ files: z.array(scannedFileSchema) }).strict();
