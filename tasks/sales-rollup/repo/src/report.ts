// The quarterly sales report: see README.md.

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

/** Reads the order export; a malformed line throws an error naming the file and line number. */
export function readSales(csvPath: string): Sale[] {
  throw new Error('not implemented');
}

/** The report from the order export and finance's figure file. */
export function buildReport(csvPath: string, financePath: string): Report {
  throw new Error('not implemented');
}
