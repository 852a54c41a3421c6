import { z } from 'zod';
import { readValidatedFile } from '../util/validated-file.js';
import { canonicalModelName, PRICES, type Price, type PriceTable } from './prices.js';

const perMillion = z.number({ message: 'expected US dollars per million tokens (a number)' }).finite().nonnegative({ message: 'expected a price >= 0' });

/**
 * A prices file (`--prices FILE`, YAML or JSON): model name -> US dollars per million tokens.
 *   gpt-4o: { input: 2.5, output: 10, cached_input: 1.25 }
 *   claude-sonnet-4-5: { input: 3, output: 15, cached_input: 0.3, cache_write: 3.75 }
 */
export const priceFileSchema = z.record(
  z.string().min(1, { message: 'expected a model name' }),
  z.object({ input: perMillion, output: perMillion, cached_input: perMillion.optional(), cache_write: perMillion.optional() }).strict(),
);

/** The list prices with a prices file's entries over them (names as canonicalModelName gives them). */
export async function loadPriceTable(file: string): Promise<PriceTable> {
  const entries = await readValidatedFile(file, priceFileSchema, { missing: 'cannot read the prices file', formatName: 'YAML or JSON' });
  const table: Record<string, Price> = { ...PRICES };
  for (const [model, p] of Object.entries(entries)) {
    table[canonicalModelName(model)] = {
      input: p.input,
      output: p.output,
      ...(p.cached_input === undefined ? {} : { cachedInput: p.cached_input }),
      ...(p.cache_write === undefined ? {} : { cacheWrite: p.cache_write }),
    };
  }
  return table;
}
