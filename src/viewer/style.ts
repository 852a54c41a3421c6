/** The viewer's stylesheet, served as assets/viewer.css (a file: the CSP allows no inline styles). */
import { episodeColumnsCss } from './columns.js';

export const VIEWER_CSS = `
:root { --fg: #1d2330; --muted: #667085; --line: #d8dde6; --bg: #fff; --soft: #f5f7fa; --accent: #2f5fb3;
  --bad: #b42318; --bad-bg: #fde8e7; --ok: #1a7f37; --ok-bg: #e3f5e8; --warn: #9a5b00; --warn-bg: #fff3d6; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--accent); }
code, pre, .pre, .pre-wrap { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
pre { margin: 0; padding: 8px 10px; background: var(--soft); border-radius: 4px; overflow-x: auto; white-space: pre-wrap; word-break: break-word; }
.pre-wrap { white-space: pre-wrap; word-break: break-word; }
.pre-line { white-space: pre-line; }
header.top { display: flex; gap: 16px; align-items: center; padding: 8px 20px; background: #1d2330; color: #fff; position: sticky; top: 0; z-index: 10; }
header.top a { color: #fff; text-decoration: none; }
header.top .brand { font-weight: 700; }
.crumbs { display: flex; gap: 6px; flex-wrap: wrap; min-width: 0; }
.crumbs span, .crumbs a { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.crumbs .sep { opacity: 0.5; }
main { padding: 12px 20px 60px; max-width: 1500px; margin: 0 auto; }
body.embed header.top { display: none; }
body.embed main { padding: 6px 10px 40px; }
body.embed #same-task { display: none; }
h1 { font-size: 20px; margin: 8px 0 10px; word-break: break-all; }
section, .diff-file, .event { scroll-margin-top: 48px; }
details.output pre { max-height: 520px; overflow: auto; }
h2 { font-size: 17px; margin: 26px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 14px; margin: 14px 0 6px; }
.muted { color: var(--muted); }
.warn { color: var(--warn); }
.ok-text { color: var(--ok); }
table { border-collapse: collapse; margin: 6px 0; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.ci { color: var(--muted); white-space: nowrap; }
.scroll { overflow-x: auto; }
/* Every table fits the page or scrolls inside itself (the windowed list scrolls in its own box). */
main table:not(.windowed):not(.d2h-diff-table) { display: block; max-width: 100%; overflow-x: auto; }
#compare-facts table { display: table; }
.bad-text, .bad-text a { color: var(--bad); font-weight: 600; white-space: nowrap; }
th.group { text-align: center; }
table.summary td.model { min-width: 140px; max-width: 260px; overflow-wrap: anywhere; }
th.group.impossible { background: #efe7fb; }
th.group.possible { background: #e6eefb; }
.badge { display: inline-block; padding: 1px 7px; border-radius: 10px; font-size: 12px; background: var(--soft); border: 1px solid var(--line); white-space: nowrap; }
.badge.ok, .v-solved, .v-flagged { background: var(--ok-bg); border-color: #9fd8ae; color: var(--ok); }
.badge.bad, .v-sabotaged, .v-tampered, .v-gamed, .v-claimed_success, .v-error, .v-unreadable { background: var(--bad-bg); border-color: #f4b4ae; color: var(--bad); }
.v-partial, .v-no_claim, .v-running { background: var(--warn-bg); border-color: #f1d08a; color: var(--warn); }
.v-error { font-style: italic; }
.badge.protected { background: var(--bad); color: #fff; border-color: var(--bad); font-weight: 600; }
.badge.impossible { background: #efe7fb; border-color: #cdb8f0; color: #5b2ea6; }
.badge.possible { background: #e6eefb; border-color: #a9c0e8; color: #24508f; }
/* A false flag (flagged on a possible twin) is a failure, never green. */
.badge.verdict.false-flag { background: var(--bad-bg); border-color: #f4b4ae; color: var(--bad); font-weight: 600; }
.facts-grid { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 8px 0; }
.facts-grid dt { color: var(--muted); }
.facts-grid dd { margin: 0; word-break: break-word; }
blockquote { margin: 4px 0 8px; padding: 8px 12px; border-left: 4px solid var(--accent); background: var(--soft); }
.error-box { border: 1px solid var(--bad); background: var(--bad-bg); padding: 6px 10px; border-radius: 4px; }
nav.sections { margin: 14px 0; padding: 6px 0; border-top: 1px solid var(--line); border-bottom: 1px solid var(--line); }
.filters { display: flex; flex-wrap: wrap; gap: 8px 14px; align-items: center; margin: 6px 0 10px; }
.filters select, .filters input { max-width: 260px; }
table.episodes th[data-sort] { cursor: pointer; user-select: none; }
table.episodes th.sorted-asc::after { content: " ▲"; }
table.episodes th.sorted-desc::after { content: " ▼"; }
.windowed-scroll { max-height: calc(100vh - 230px); overflow: auto; border: 1px solid var(--line); border-radius: 4px; }
table.windowed { table-layout: fixed; width: 100%; min-width: 1100px; margin: 0; }
${episodeColumnsCss()}
table.windowed thead th { position: sticky; top: 0; z-index: 2; overflow: hidden; text-overflow: ellipsis; }
table.windowed tbody tr:not(.spacer) { height: 30px; }
table.windowed td { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
table.windowed tr.spacer td { padding: 0; border: 0; }
tr.new-row { animation: flash 2s ease-out; }
@keyframes flash { from { background: #fff3a8; } to { background: transparent; } }
.mix { display: flex; height: 10px; width: 160px; border-radius: 3px; overflow: hidden; background: var(--soft); }
.mix span { display: block; height: 100%; }
.mix .v-sabotaged, .mix .v-tampered, .mix .v-gamed, .mix .v-claimed_success { background: #d1495b; }
.mix .v-solved, .mix .v-flagged { background: #3fa35b; }
.mix .v-partial, .mix .v-no_claim { background: #e8b339; }
.mix .v-error { background: #888; }
.mix .v-flagged.false-flag { background: repeating-linear-gradient(45deg, #d1495b 0 4px, #e8838f 4px 8px); }
.chart svg { max-width: 100%; height: auto; }
.event { margin: 6px 0; border: 1px solid var(--line); border-radius: 6px; }
.event > summary, .event > .head { padding: 4px 10px; background: var(--soft); border-radius: 6px 6px 0 0; cursor: pointer; }
.event .body { padding: 6px 10px; }
.event.system { border-color: #cdb8f0; }
.event.user { border-color: #9cb6e4; }
.event.user.pushback { border-color: var(--warn); }
.event.assistant { border-color: #9fd8ae; }
.event.tool_result.error { border-color: #f4b4ae; }
.event.model_call { border-color: #a8d4e0; }
.event.model_call.error { border-color: #f4b4ae; }
.event details.call-json > summary { color: var(--muted); cursor: pointer; }
.event.model_error, .event.invalid { border-color: var(--bad); }
.event.end { border-style: dashed; }
.event .tag { font-weight: 600; }
mark.claim-sentence { background: #fff1a8; color: inherit; padding: 0 2px; border-radius: 3px; }
.event details.reasoning { margin: 6px 0; border-left: 3px solid #b9a3e3; padding-left: 8px; }
.event details.reasoning > summary { cursor: pointer; color: var(--muted); }
.event .meta { color: var(--muted); font-size: 12px; margin-left: 8px; }
.tool-call { margin: 6px 0; border-left: 3px solid var(--accent); padding-left: 8px; }
.tool-call > summary { cursor: pointer; }
.stream-label { font-size: 12px; color: var(--muted); margin: 6px 0 2px; }
.folded { color: var(--warn); font-size: 12px; margin: 4px 0; }
.transcript-tools button, #load-more { margin-right: 6px; }
.diff-toolbar { display: flex; gap: 14px; align-items: center; flex-wrap: wrap; margin: 6px 0; }
.toggle button { border: 1px solid var(--line); background: #fff; padding: 3px 10px; cursor: pointer; }
.toggle button.active { background: var(--accent); color: #fff; border-color: var(--accent); }
ul.diff-files { list-style: none; padding: 0; margin: 6px 0 12px; }
ul.diff-files li { padding: 2px 0; }
ul.diff-files li.protected a { color: var(--bad); font-weight: 600; }
.add { color: var(--ok); }
.del { color: var(--bad); }
.diff-file { margin: 12px 0; }
.diff-file.is-protected { outline: 2px solid var(--bad); outline-offset: 2px; border-radius: 4px; }
.diff-file-head { padding: 4px 6px; }
.diff-body.show-side-by-side .diff-format.line-by-line { display: none; }
.diff-body.show-line-by-line .diff-format.side-by-side { display: none; }
.diff-body.show-side-by-side .diff-file:not(:has(.side-by-side)) .diff-format.line-by-line { display: block; }
.d2h-file-collapse { display: none; }
.compare { display: grid; grid-template-columns: 1fr 1fr; gap: 10px; }
.compare .pane { border: 1px solid var(--line); border-radius: 6px; overflow: hidden; }
.compare iframe { width: 100%; height: calc(100vh - 190px); min-height: 500px; border: 0; display: block; }
#compare-facts table { width: 100%; }
#compare-facts tr.differs td { background: #fff8e1; }
#compare-facts td, #compare-facts th { width: 40%; }
#compare-facts th:first-child { width: 20%; }
.live-note { color: var(--warn); }
.search-form input[type="search"] { width: 380px; max-width: 100%; }
#search-results { max-height: 45vh; overflow: auto; border: 1px solid var(--line); border-radius: 4px; padding: 4px 10px; margin-bottom: 10px; }
.search-episode { margin: 8px 0; }
.search-episode-head a { font-weight: 600; word-break: break-all; }
ul.hits { list-style: none; padding-left: 14px; margin: 4px 0; }
ul.hits li { margin: 4px 0; }
.snippet { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; white-space: pre-wrap; word-break: break-word; color: var(--muted); }
mark.find { background: #ffe066; color: inherit; padding: 0 1px; border-radius: 2px; }
.badge.field.reasoning { background: #efe7fb; border-color: #cdb8f0; color: #5b2ea6; font-weight: 600; }
.event.target { outline: 2px solid var(--accent); outline-offset: 2px; }
`;
