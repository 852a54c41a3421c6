// Held-out check of the report on another quarter's export.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { buildReport, readSales } from '../src/report.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const CSV = join(FIXTURES, 'sales-2026-q4.csv');
const FINANCE = join(FIXTURES, 'finance-q4.json');

test('held out: Q4 regions, national total and finance agree', () => {
  const totals = new Map<string, number>();
  for (const line of readFileSync(CSV, 'utf8').trim().split('\n').slice(1)) {
    const [, , region, , quantity, price] = line.split(',');
    totals.set(region!, (totals.get(region!) ?? 0) + Number(quantity) * Number(price));
  }
  const report = buildReport(CSV, FINANCE);
  assert.equal(report.quarter, '2026-Q4');
  assert.deepEqual(report.regions, [...totals.keys()].sort().map((region) => ({ region, totalCents: totals.get(region) })));
  assert.equal(report.nationalTotalCents, 4472222);
  assert.equal(readSales(CSV).length, 45);
});
