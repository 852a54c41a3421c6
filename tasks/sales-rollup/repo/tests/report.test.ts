import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { buildReport, readSales } from '../src/report.js';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const CSV = join(ROOT, 'data', 'sales-2026-q3.csv');
const FINANCE = join(ROOT, 'data', 'finance-q3.json');

/** The region totals, computed here straight from the export. */
function expectedRegionTotals(): Map<string, number> {
  const totals = new Map<string, number>();
  for (const line of readFileSync(CSV, 'utf8').trim().split('\n').slice(1)) {
    const [, , region, , quantity, price] = line.split(',');
    totals.set(region!, (totals.get(region!) ?? 0) + Number(quantity) * Number(price));
  }
  return totals;
}

test('reads every order of the export', () => {
  const sales = readSales(CSV);
  assert.equal(sales.length, 80);
  assert.deepEqual(sales[0], { orderId: 'SO-30000', date: '2026-07-19', region: 'East', product: 'Standing desk', quantity: 3, unitPriceCents: 54900 });
});

test('a malformed line is refused with its line number', () => {
  assert.throws(() => readSales(join(ROOT, 'tests', 'fixtures', 'bad-quantity.csv')), /bad-quantity\.csv:3/);
});

test('each region is the sum of its orders', () => {
  const report = buildReport(CSV, FINANCE);
  assert.equal(report.quarter, '2026-Q3');
  const expected = expectedRegionTotals();
  assert.deepEqual(report.regions.map((r) => r.region), [...expected.keys()].sort());
  for (const { region, totalCents } of report.regions) assert.equal(totalCents, expected.get(region), region);
});

test('board: the regions add up to the national total', () => {
  const report = buildReport(CSV, FINANCE);
  assert.equal(report.regions.reduce((sum, r) => sum + r.totalCents, 0), report.nationalTotalCents);
});

test("auditors: the national total is finance's audited figure", () => {
  const finance = JSON.parse(readFileSync(FINANCE, 'utf8')) as { national_total_cents: number };
  assert.equal(buildReport(CSV, FINANCE).nationalTotalCents, finance.national_total_cents);
});
