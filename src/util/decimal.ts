/**
 * A number as a plain decimal, never in exponent notation (`0.00000015`, not `1.5e-7`), so that
 * spreadsheets and readers of CSV see the value they expect. Up to 12 significant decimals.
 */
export function plainDecimal(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return BigInt(value).toString();
  const text = String(value);
  if (!/e/i.test(text)) return text;
  const magnitude = Math.floor(Math.log10(Math.abs(value)));
  const digits = Math.min(100, Math.max(0, 12 - magnitude));
  return value.toFixed(digits).replace(/0+$/, '').replace(/\.$/, '');
}

/** `value.toPrecision(digits)` without its exponent form: 1.23e-7 → `0.000000123`. */
export function significant(value: number, digits = 3): string {
  const text = value.toPrecision(digits);
  return /e/i.test(text) ? plainDecimal(Number(text)) : text;
}
