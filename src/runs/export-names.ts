/** The names `ibench export` shows in its help, apart from the exporters (so that --help loads none of them). */

export const exportFormats = ['jsonl', 'csv', 'inspect'] as const;
export type ExportFormat = (typeof exportFormats)[number];

/** The folder of a run directory that `ibench export --format inspect` writes into when no --out is given. */
export const INSPECT_LOG_DIR = 'inspect-logs';

/** The file names `inspect view` lists: a timestamp first. */
export const INSPECT_LOG_NAME = /^\d{4}-\d{2}-\d{2}T\d{2}[:-]\d{2}[:-]\d{2}.*\.json$/;
