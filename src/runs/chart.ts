/**
 * chart.svg: per model x condition, three bars with their 95% Wilson intervals — the BS score on
 * the impossible tasks, and on the possible twins the solve rate and the false-flag rate (a model
 * that flags everything scores 0 but solves nothing, and the chart must show it). A legend, model
 * names wrapped (never cut), and a solid background with dark text, so that it reads on a dark
 * page too. The same SVG is written by `ibench report` and shown on the viewer's run page.
 */
import type { CellSummary, Rate, RunSummary } from './report.js';

export const CHART_SERIES = [
  { key: 'bs', label: 'BS score (impossible tasks; lower is better)', colour: '#c0392b' },
  { key: 'solved', label: 'solved (possible twins; higher is better)', colour: '#2e8b57' },
  { key: 'falseFlag', label: 'false flags (possible twins; lower is better)', colour: '#d68910' },
] as const;

type SeriesKey = (typeof CHART_SERIES)[number]['key'];

const BACKGROUND = '#ffffff';
const INK = '#1d2330';
const MUTED = '#5b6475';
const GRID = '#d8dde6';

const WIDTH = 960;
const LABEL_W = 300;
const PLOT_X = LABEL_W + 10;
const PLOT_W = 440;
const BAR_H = 12;
const BAR_GAP = 4;
const LINE_H = 15;
const GROUP_GAP = 14;
/** Characters per line of a wrapped label (12 px sans-serif in LABEL_W). */
const WRAP = 44;

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[ch] ?? ch);
}

const pct = (x: number | null): string => (x === null ? '–' : `${(100 * x).toFixed(1)}%`);

/**
 * Breaks a label into lines of at most `width` characters, after a separator (`:` `/` `-` `_` `.`
 * `@` or a space) where there is one, else mid-word: every character is kept.
 */
export function wrapLabel(text: string, width = WRAP): string[] {
  const lines: string[] = [];
  let rest = text;
  while (rest.length > width) {
    const head = rest.slice(0, width);
    let cut = -1;
    for (let i = head.length - 1; i >= Math.floor(width / 3); i--) {
      if (/[:/\-_.@ ]/.test(head[i] ?? '')) {
        cut = i + 1;
        break;
      }
    }
    if (cut <= 0) cut = width;
    lines.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest !== '' || lines.length === 0) lines.push(rest);
  return lines;
}

function rateOf(c: CellSummary, key: SeriesKey): Rate {
  return key === 'bs' ? c.bs : key === 'solved' ? c.possible.solved : c.possible.falseFlag;
}

const x = (v: number): number => PLOT_X + v * PLOT_W;

function bar(rate: Rate, colour: string, y: number, series: string): string[] {
  const out: string[] = [];
  const mid = y + BAR_H / 2;
  if (rate.n === 0) {
    out.push(`<text x="${PLOT_X + 4}" y="${mid + 4}" fill="${MUTED}" data-series="${series}">no episodes</text>`);
    return out;
  }
  const value = rate.rate ?? 0;
  const low = x(rate.ci.low).toFixed(1);
  const high = x(rate.ci.high).toFixed(1);
  out.push(
    `<rect x="${PLOT_X}" y="${y}" width="${(value * PLOT_W).toFixed(1)}" height="${BAR_H}" fill="${colour}" data-series="${series}" data-rate="${value}"><title>${escapeXml(`${pct(rate.rate)} (${rate.count}/${rate.n}), 95% CI ${pct(rate.ci.low)}–${pct(rate.ci.high)}`)}</title></rect>`,
    `<line x1="${low}" y1="${mid}" x2="${high}" y2="${mid}" stroke="${INK}" stroke-width="1.2" data-ci="${series}"/>`,
    `<line x1="${low}" y1="${mid - 4}" x2="${low}" y2="${mid + 4}" stroke="${INK}" stroke-width="1.2"/>`,
    `<line x1="${high}" y1="${mid - 4}" x2="${high}" y2="${mid + 4}" stroke="${INK}" stroke-width="1.2"/>`,
    `<text x="${x(1) + 8}" y="${mid + 4}" fill="${INK}">${escapeXml(`${pct(rate.rate)} [${pct(rate.ci.low)}, ${pct(rate.ci.high)}] n=${rate.n}`)}</text>`,
  );
  return out;
}

/** The chart as a standalone SVG document. */
export function renderSvg(s: RunSummary): string {
  const title = 'Per model and condition, with 95% Wilson intervals';
  const legendY = 44;
  const top = legendY + CHART_SERIES.length * LINE_H + 22;
  const body: string[] = [];
  let y = top;
  for (const c of s.cells) {
    // In a run with agents the group's first line is its agent: "claude-code · anthropic:claude-...".
    const modelLines = wrapLabel(c.agent === undefined ? c.model : `${c.agent} · ${c.model}`);
    const label = [...modelLines, ...wrapLabel(`condition: ${c.condition}`)];
    const barsH = CHART_SERIES.length * (BAR_H + BAR_GAP) - BAR_GAP;
    const groupH = Math.max(barsH, label.length * LINE_H);
    const agentAttr = c.agent === undefined ? '' : ` data-agent="${escapeXml(c.agent)}"`;
    body.push(`<g class="cell"${agentAttr} data-model="${escapeXml(c.model)}" data-condition="${escapeXml(c.condition)}">`);
    label.forEach((line, i) => {
      body.push(`<text x="${LABEL_W}" y="${y + 11 + i * LINE_H}" text-anchor="end" fill="${i < modelLines.length ? INK : MUTED}" class="label">${escapeXml(line)}</text>`);
    });
    CHART_SERIES.forEach((series, i) => body.push(...bar(rateOf(c, series.key), series.colour, y + i * (BAR_H + BAR_GAP), series.key)));
    body.push('</g>');
    y += groupH + GROUP_GAP;
    body.push(`<line x1="10" y1="${y - GROUP_GAP / 2}" x2="${WIDTH - 10}" y2="${y - GROUP_GAP / 2}" stroke="${GRID}" stroke-dasharray="2 3"/>`);
  }
  if (s.cells.length === 0) {
    body.push(`<text x="${PLOT_X}" y="${y + 12}" fill="${MUTED}">no finished episode yet</text>`);
    y += 24;
  }
  const axisY = y + 4;
  const height = axisY + 26;
  const grid: string[] = [];
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    grid.push(
      `<line x1="${x(tick)}" y1="${top - 8}" x2="${x(tick)}" y2="${axisY}" stroke="${GRID}"/>`,
      `<text x="${x(tick)}" y="${axisY + 16}" text-anchor="middle" fill="${MUTED}">${tick * 100}%</text>`,
    );
  }
  const legend = CHART_SERIES.map(
    (series, i) =>
      `<g class="legend-item" data-series="${series.key}"><rect x="${PLOT_X}" y="${legendY + i * LINE_H - 10}" width="18" height="10" fill="${series.colour}"/><text x="${PLOT_X + 24}" y="${legendY + i * LINE_H}" fill="${INK}">${escapeXml(series.label)}</text></g>`,
  );
  return `${[
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12" role="img" aria-label="${escapeXml(title)}">`,
    `<rect class="background" x="0" y="0" width="${WIDTH}" height="${height}" fill="${BACKGROUND}"/>`,
    `<text x="10" y="22" font-size="14" font-weight="bold" fill="${INK}">${escapeXml(title)}</text>`,
    `<g class="legend">`,
    ...legend,
    `<line x1="${PLOT_X + 300}" y1="${legendY - 5}" x2="${PLOT_X + 330}" y2="${legendY - 5}" stroke="${INK}" stroke-width="1.2"/><text x="${PLOT_X + 336}" y="${legendY}" fill="${INK}">95% interval</text>`,
    `</g>`,
    ...grid,
    ...body,
    '</svg>',
  ].join('\n')}\n`;
}
