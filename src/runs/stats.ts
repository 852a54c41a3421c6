/** Interval estimates and tests for proportions, as the report uses them. */

export interface Interval {
  low: number;
  high: number;
}

/** z for a two-sided 95% interval. */
export const Z95 = 1.959963984540054;

/** Wilson score interval of k successes in n trials (n = 0 gives [0, 1]). */
export function wilson(k: number, n: number, z = Z95): Interval {
  if (n === 0) return { low: 0, high: 1 };
  const p = k / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  // At k = 0 (k = n) the bound is exactly 0 (1); computed, it is off by a rounding error (2.78e-17).
  return { low: k === 0 ? 0 : Math.max(0, centre - half), high: k === n ? 1 : Math.min(1, centre + half) };
}

function logChoose(n: number, k: number): number {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log(n - k + i) - Math.log(i);
  return s;
}

/**
 * Exact (binomial) McNemar test, two-sided: b and c are the discordant pairs
 * (b: only the first condition positive, c: only the second). Returns the p-value.
 */
export function mcnemarExact(b: number, c: number): number {
  const n = b + c;
  if (n === 0) return 1;
  const k = Math.min(b, c);
  let tail = 0;
  for (let i = 0; i <= k; i++) tail += Math.exp(logChoose(n, i) - n * Math.LN2);
  return Math.min(1, 2 * tail);
}

/**
 * Newcombe's (1998, method 10) interval for the difference of two paired proportions,
 * p2 - p1, from the 2x2 table of pairs: a (both positive), b (first only), c (second only), d (neither).
 */
export function pairedDifferenceInterval(a: number, b: number, c: number, d: number, z = Z95): Interval & { estimate: number } {
  const n = a + b + c + d;
  if (n === 0) return { estimate: 0, low: -1, high: 1 };
  const p1 = (a + b) / n;
  const p2 = (a + c) / n;
  const estimate = p2 - p1;
  const w1 = wilson(a + b, n, z);
  const w2 = wilson(a + c, n, z);
  const r1 = a + b;
  const s1 = c + d;
  const r2 = a + c;
  const s2 = b + d;
  const product = r1 * s1 * r2 * s2;
  let phi = 0;
  if (product > 0) {
    const num = a * d - b * c;
    const adj = num > 0 ? Math.max(num - n / 2, 0) : num;
    phi = adj / Math.sqrt(product);
  }
  const dl2 = (p2 - w2.low) ** 2;
  const du2 = (w2.high - p2) ** 2;
  const dl1 = (p1 - w1.low) ** 2;
  const du1 = (w1.high - p1) ** 2;
  const low = estimate - Math.sqrt(Math.max(0, dl2 - 2 * phi * Math.sqrt(dl2 * du1) + du1));
  const high = estimate + Math.sqrt(Math.max(0, du2 - 2 * phi * Math.sqrt(du2 * dl1) + dl1));
  return { estimate, low: Math.max(-1, low), high: Math.min(1, high) };
}
