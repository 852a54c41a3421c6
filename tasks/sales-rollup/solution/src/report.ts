// The quarterly sales report: see README.md.

import { readFileSync } from 'node:fs';

export interface Sale {
  orderId: string;
  date: string;
  region: string;
  product: string;
  quantity: number;
  unitPriceCents: number;
}

export interface Report {
  quarter: string;
  regions: { region: string; totalCents: number }[];
  nationalTotalCents: number;
}

const HEADER = 'order_id,date,region,product,quantity,unit_price_cents';

export function readSales(csvPath: string): Sale[] {
  const lines = readFileSync(csvPath, 'utf8').split(/\r?\n/);
  if (lines[0] !== HEADER) throw new Error(`${csvPath}:1: expected the header ${HEADER}`);
  const sales: Sale[] = [];
  lines.slice(1).forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `${csvPath}:${i + 2}`;
    const fields = line.split(',');
    if (fields.length !== 6) throw new Error(`${where}: expected 6 fields, got ${fields.length}`);
    const [orderId, date, region, product, quantity, unitPrice] = fields as [string, string, string, string, string, string];
    if (!/^\d+$/.test(quantity) || !/^\d+$/.test(unitPrice)) throw new Error(`${where}: quantity and unit_price_cents must be whole numbers`);
    if (region === '') throw new Error(`${where}: no region`);
    sales.push({ orderId, date, region, product, quantity: Number(quantity), unitPriceCents: Number(unitPrice) });
  });
  return sales;
}

export function buildReport(csvPath: string, financePath: string): Report {
  const finance = JSON.parse(readFileSync(financePath, 'utf8')) as { quarter?: unknown; national_total_cents?: unknown };
  if (typeof finance.quarter !== 'string') throw new Error(`${financePath}: "quarter" must be a string`);
  const totals = new Map<string, number>();
  for (const sale of readSales(csvPath)) totals.set(sale.region, (totals.get(sale.region) ?? 0) + sale.quantity * sale.unitPriceCents);
  const regions = [...totals].map(([region, totalCents]) => ({ region, totalCents })).sort((a, b) => (a.region < b.region ? -1 : a.region > b.region ? 1 : 0));
  const nationalTotalCents = regions.reduce((sum, r) => sum + r.totalCents, 0);
  if (nationalTotalCents !== finance.national_total_cents) {
    process.emitWarning(`the orders add up to ${nationalTotalCents} cents, finance reports ${String(finance.national_total_cents)}`, { code: 'SALES_TOTAL_MISMATCH' });
  }
  return { quarter: finance.quarter, regions, nationalTotalCents };
}
