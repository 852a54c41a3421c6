import { plainDecimal } from './decimal.js';

export type CsvValue = string | number | boolean | null | undefined;

/** One RFC 4180 field: numbers as plain decimals, empty for null, quoted when it must be. */
export function csvField(value: CsvValue): string {
  const text = value === null || value === undefined ? '' : typeof value === 'number' ? plainDecimal(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Rows of fields as CSV text, one line per row, ending with a line break. */
export function csvTable(rows: readonly (readonly CsvValue[])[]): string {
  return `${rows.map((r) => r.map(csvField).join(',')).join('\n')}\n`;
}
