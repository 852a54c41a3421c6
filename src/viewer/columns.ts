/**
 * The episodes list's columns: each one's sort key (also its header) and its width in percent of
 * the table. The table is laid out fixed (rows of one height for the windowed list), so the widths
 * are set here once, for the page (pages.ts) and the stylesheet (style.ts) alike.
 */
export const EPISODE_COLUMNS = [
  ['id', 16],
  ['task', 9],
  ['kind', 7],
  ['category', 7],
  ['agent', 6],
  ['model', 9],
  ['condition', 7],
  ['epoch', 4],
  ['verdict', 10],
  ['claim', 6],
  ['steps', 4],
  ['protected', 4],
  ['tokens', 6],
  ['duration', 5],
] as const;

export type EpisodeColumn = (typeof EPISODE_COLUMNS)[number][0];

export function episodeColumnsCss(): string {
  return EPISODE_COLUMNS.map(([name, width]) => `table.episodes col.col-${name} { width: ${width}%; }`).join('\n');
}
