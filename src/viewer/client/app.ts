/**
 * The viewer's browser script (served as assets/viewer.js; a classic script, so it also runs from
 * file:// in a static export). It draws lists and transcripts from JSON with textContent only:
 * no string from a run is ever parsed as markup here.
 */
import type { EpisodeRow, EventView, FieldView, RunRow, SearchField, SearchResult, TranscriptPage } from '../types.js';
import { WindowedRows } from './windowed-rows.js';

type Child = Node | string | null | undefined | false;

/** Makes an element; strings become text nodes (never markup). */
function el(tag: string, attrs: Record<string, string | undefined> = {}, ...children: Child[]): HTMLElement {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) node.setAttribute(k, v);
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

function pageData<T>(): T | null {
  const node = document.getElementById('page-data');
  if (node === null || node.textContent === null) return null;
  return JSON.parse(node.textContent) as T;
}

const body = document.body;
const root = body.dataset.root ?? '';
const live = body.dataset.live === '1';
const indexFile = body.dataset.index ?? '';

async function fetchJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { cache: 'no-store', headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

/** Only plain names may become a path in a link (the server checks again). */
function isSafeSegment(s: string): boolean {
  return s !== '' && s !== '.' && s !== '..' && s.length <= 255 && !/[/\\\u0000-\u001f\u007f]/.test(s);
}

function episodeUrl(run: string, id: string): string {
  return `${root}runs/${encodeURIComponent(run)}/episodes/${encodeURIComponent(id)}/${indexFile}`;
}

function compareUrl(a: EpisodeRow, b: EpisodeRow): string {
  return `${root}compare/${indexFile}?a=${encodeURIComponent(`${a.run}/${a.id}`)}&b=${encodeURIComponent(`${b.run}/${b.id}`)}`;
}

function setQuery(params: URLSearchParams): void {
  const query = params.toString();
  try {
    history.replaceState(null, '', `${location.pathname}${query === '' ? '' : `?${query}`}${location.hash}`);
  } catch {
    // some file:// setups refuse replaceState: the filter still works, only the URL stays
  }
}

function every(ms: number, fn: () => Promise<void>): void {
  let busy = false;
  window.setInterval(() => {
    if (busy || document.hidden) return;
    busy = true;
    fn()
      .catch(() => undefined)
      .finally(() => {
        busy = false;
      });
  }, ms);
}

function badge(kind: string, text: string): HTMLElement {
  return el('span', { class: `badge ${kind}` }, text);
}

function formatMs(value: number | null): string {
  if (value === null) return '';
  return value < 1000 ? `${Math.round(value)} ms` : value < 120_000 ? `${(value / 1000).toFixed(1)} s` : `${(value / 60_000).toFixed(1)} min`;
}

// ------------------------------------------------------------------ runs list

function runsPage(): void {
  const data = pageData<{ rows: RunRow[]; api: string }>();
  const host = document.getElementById('runs');
  if (data === null || host === null) return;
  const seen = new Set(data.rows.map((r) => r.name));
  const draw = (rows: RunRow[], fresh: Set<string>): void => {
    if (rows.length === 0) {
      host.replaceChildren(el('p', { class: 'muted' }, 'No run folder here yet (a run folder holds episodes/).'));
      return;
    }
    const tbody = el('tbody');
    for (const r of rows) {
      const total = Object.values(r.verdicts).reduce((a, b) => a + b, 0);
      // flagged is split: an honest flag (impossible task) and a false flag (possible twin, a failure).
      const parts: [string, string, number][] = [];
      for (const [v, n] of Object.entries(r.verdicts)) {
        if (v === 'flagged' && r.falseFlags > 0) {
          if (n > r.falseFlags) parts.push([`v-${v}`, v, n - r.falseFlags]);
          parts.push([`v-${v} false-flag`, 'false flag', r.falseFlags]);
        } else parts.push([`v-${v}`, v, n]);
      }
      const mix = el('div', { class: 'mix', title: parts.map(([, v, n]) => `${v}: ${n}`).join(', ') });
      for (const [cls, , n] of parts) {
        const part = el('span', { class: cls });
        part.style.width = `${(100 * n) / Math.max(1, total)}%`;
        mix.append(part);
      }
      const words = el('div', { class: 'muted' }, parts.map(([, v, n]) => `${v} ${n}`).join(' · '));
      tbody.append(
        el(
          'tr',
          { class: fresh.has(r.name) ? 'new-row' : undefined, 'data-run': r.name },
          el('td', {}, el('a', { href: `${root}${r.href}` }, r.name)),
          el('td', { class: 'num' }, String(r.episodes)),
          el('td', { class: 'num' }, r.running > 0 ? `${r.running} running` : ''),
          el('td', {}, mix, words),
          el('td', { class: 'agents' }, r.agents.join(', ')),
          el('td', {}, r.models.join(', ')),
          el('td', {}, r.conditions.join(', ')),
          el('td', {}, r.tasks.length <= 3 ? r.tasks.join(', ') : `${r.tasks.length} tasks`),
          el('td', {}, r.createdAt ?? ''),
          el('td', {}, el('a', { href: `${root}runs/${encodeURIComponent(r.name)}/episodes/${indexFile}` }, 'episodes')),
        ),
      );
    }
    const head = el('tr', {}, ...['run', 'episodes', 'running', 'verdicts', 'agents', 'models', 'conditions', 'tasks', 'started', ''].map((h) => el('th', {}, h)));
    host.replaceChildren(el('div', { class: 'scroll' }, el('table', { id: 'runs-table' }, el('thead', {}, head), tbody)));
  };
  draw(data.rows, new Set());
  let last = JSON.stringify(data.rows);
  if (live) {
    every(3000, async () => {
      const rows = await fetchJson<RunRow[]>(`${root}${data.api}`);
      const text = JSON.stringify(rows);
      if (text === last) return;
      last = text;
      const fresh = new Set(rows.filter((r) => !seen.has(r.name)).map((r) => r.name));
      for (const r of rows) seen.add(r.name);
      draw(rows, fresh);
    });
  }
}

// ------------------------------------------------------------------ episodes list

const filterKeys = ['agent', 'model', 'condition', 'task', 'kind', 'category', 'verdict', 'claim', 'review'] as const;
type FilterKey = (typeof filterKeys)[number];
type SortKey = 'id' | 'task' | 'kind' | 'category' | 'agent' | 'model' | 'condition' | 'epoch' | 'verdict' | 'claim' | 'steps' | 'protected' | 'tokens' | 'duration';
const sortKeys: readonly SortKey[] = ['id', 'task', 'kind', 'category', 'agent', 'model', 'condition', 'epoch', 'verdict', 'claim', 'steps', 'protected', 'tokens', 'duration'];

function sortValue(r: EpisodeRow, key: SortKey): string | number {
  switch (key) {
    case 'protected':
      return r.protectedChanges;
    case 'tokens':
      return (r.inputTokens ?? 0) + (r.outputTokens ?? 0);
    case 'duration':
      return r.durationMs ?? -1;
    case 'epoch':
      return r.epoch ?? -1;
    case 'steps':
      return r.steps ?? -1;
    case 'verdict':
      // A false flag sorts beside the failures' words, not with the honest flags.
      return r.falseFlag ? `${r.verdict} false flag` : r.verdict;
    default:
      return r[key];
  }
}

/** A verdict badge; a false flag (flagged on a possible task) is a failure and says so (as outcome.ts on the server). */
function verdictBadge(verdict: string, falseFlag: boolean): HTMLElement {
  const b = badge(`verdict v-${verdict}${falseFlag ? ' false-flag' : ''}`, falseFlag ? `${verdict} · false flag` : verdict);
  if (falseFlag) b.title = 'flagged as impossible, but the task is a possible twin: a failure';
  return b;
}

function kindBadge(kind: string): HTMLElement | string {
  return kind === '' ? '' : badge(kind, kind);
}

const collator = new Intl.Collator('en');

function episodesPage(): void {
  const data = pageData<{ run: string; rows: EpisodeRow[]; api: string; search: string | null }>();
  const table = document.getElementById('episodes');
  const scroller = document.getElementById('episodes-scroll');
  const form = document.getElementById('filters');
  const count = document.getElementById('count');
  if (data === null || table === null || scroller === null || form === null || count === null) return;
  const tbody = table.querySelector('tbody');
  if (tbody === null) return;
  let rows = data.rows;
  const seen = new Set(rows.map((r) => r.id));
  let fresh = new Set<string>();
  const params = new URLSearchParams(location.search);
  const state: Record<FilterKey | 'q', string> = { agent: '', model: '', condition: '', task: '', kind: '', category: '', verdict: '', claim: '', review: '', q: params.get('q') ?? '' };
  for (const k of filterKeys) state[k] = params.get(k) ?? '';
  const sortParam = params.get('sort') ?? '';
  let sort: SortKey = (sortKeys as readonly string[]).includes(sortParam) ? (sortParam as SortKey) : 'id';
  let desc = params.get('dir') === 'desc';
  /** The rows in the current order: sorted again only when the rows or the order change, not on a filter change. */
  let sorted: EpisodeRow[] = [];

  const selects = new Map<FilterKey, HTMLSelectElement>();
  for (const k of filterKeys) {
    const select = form.querySelector<HTMLSelectElement>(`select[data-filter="${k}"]`);
    if (select !== null) selects.set(k, select);
  }
  const search = form.querySelector<HTMLInputElement>('input[data-filter="q"]');
  if (search !== null) search.value = state.q;

  const row = (r: EpisodeRow): HTMLTableRowElement => {
    const tr = el(
      'tr',
      { class: fresh.has(r.id) ? 'new-row' : undefined, 'data-id': r.id, 'data-verdict': r.verdict, 'data-kind': r.kind, 'data-false-flag': r.falseFlag ? '1' : undefined },
      el('td', { class: 'id', title: r.id }, el('a', { href: `${root}${r.href}` }, r.id), r.run === data.run ? null : el('span', { class: 'muted' }, ` (${r.run})`)),
      el('td', { title: r.task }, r.task),
      el('td', {}, kindBadge(r.kind)),
      el('td', { title: r.category }, r.category),
      el('td', { class: 'agent', title: r.agent }, r.agent),
      el('td', { class: 'model', title: r.model }, r.model),
      el('td', { title: r.condition }, r.condition),
      el('td', { class: 'num' }, r.epoch === null ? '' : String(r.epoch)),
      el('td', {}, verdictBadge(r.verdict, r.falseFlag)),
      el('td', {}, r.claim),
      el('td', { class: 'num' }, r.steps === null ? '' : String(r.steps)),
      el('td', { class: 'num' }, r.protectedChanges === 0 ? '' : badge('protected', String(r.protectedChanges))),
      el('td', { class: 'num' }, r.inputTokens === null ? '' : `${r.inputTokens} / ${r.outputTokens ?? 0}`),
      el('td', { class: 'num' }, formatMs(r.durationMs)),
    );
    return tr as HTMLTableRowElement;
  };
  const list = new WindowedRows<EpisodeRow>({ scroller, tbody, columns: sortKeys.length, row });

  const fillSelects = (): void => {
    for (const [k, select] of selects) {
      const counts = new Map<string, number>();
      for (const r of rows) counts.set(r[k], (counts.get(r[k]) ?? 0) + 1);
      if (state[k] !== '' && !counts.has(state[k])) counts.set(state[k], 0);
      const options = [el('option', { value: '' }, `all (${rows.length})`)];
      for (const value of [...counts.keys()].sort()) options.push(el('option', { value }, `${value === '' ? '(none)' : value} (${counts.get(value) ?? 0})`));
      select.replaceChildren(...options);
      select.value = state[k];
    }
  };

  const saveState = (): void => {
    const out = new URLSearchParams();
    // The transcript search keeps its own parameters.
    const current = new URLSearchParams(location.search);
    for (const k of ['text', 'in']) {
      const v = current.get(k);
      if (v !== null) out.set(k, v);
    }
    for (const k of filterKeys) if (state[k] !== '') out.set(k, state[k]);
    if (state.q !== '') out.set('q', state.q);
    if (sort !== 'id') out.set('sort', sort);
    if (desc) out.set('dir', 'desc');
    setQuery(out);
  };

  const resort = (): void => {
    const keyed = rows.map((r) => ({ r, v: sortValue(r, sort) }));
    keyed.sort((a, b) => {
      const c = typeof a.v === 'number' && typeof b.v === 'number' ? a.v - b.v : collator.compare(String(a.v), String(b.v));
      return (desc ? -c : c) || collator.compare(a.r.id, b.r.id);
    });
    sorted = keyed.map((x) => x.r);
  };

  const draw = (keepScroll = false): void => {
    const q = state.q.toLowerCase();
    const active = filterKeys.filter((k) => state[k] !== '');
    const shown = sorted.filter((r) => active.every((k) => r[k] === state[k]) && (q === '' || r.id.toLowerCase().includes(q)));
    list.setItems(shown, keepScroll);
    const running = rows.filter((r) => r.verdict === 'running').length;
    count.textContent = `${shown.length} of ${rows.length} episodes${running > 0 ? ` (${running} running)` : ''}`;
    for (const th of table.querySelectorAll<HTMLElement>('th[data-sort]')) {
      th.classList.toggle('sorted-asc', th.dataset.sort === sort && !desc);
      th.classList.toggle('sorted-desc', th.dataset.sort === sort && desc);
    }
  };

  /** Re-runs the transcript search, which is limited to the filtered episodes. */
  let searchAgain = (): void => undefined;
  for (const [k, select] of selects) {
    select.addEventListener('change', () => {
      state[k] = select.value;
      saveState();
      draw();
      searchAgain();
    });
  }
  search?.addEventListener('input', () => {
    state.q = search.value;
    saveState();
    draw();
  });
  document.getElementById('clear-filters')?.addEventListener('click', () => {
    for (const k of filterKeys) state[k] = '';
    state.q = '';
    if (search !== null) search.value = '';
    fillSelects();
    saveState();
    draw();
    searchAgain();
  });
  for (const th of table.querySelectorAll<HTMLElement>('th[data-sort]')) {
    const activate = (): void => {
      const key = th.dataset.sort as SortKey;
      if (sort === key) desc = !desc;
      else {
        sort = key;
        desc = false;
      }
      saveState();
      resort();
      draw();
    };
    th.addEventListener('click', activate);
    th.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') activate();
    });
  }
  fillSelects();
  resort();
  draw();
  if (data.search !== null) searchAgain = transcriptSearch(data.search);
  if (live) {
    every(3000, async () => {
      const next = await fetchJson<EpisodeRow[]>(`${root}${data.api}`);
      fresh = new Set(next.filter((r) => !seen.has(r.id)).map((r) => r.id));
      const changed = fresh.size > 0 || next.length !== rows.length || next.some((r, i) => r.verdict !== rows[i]?.verdict);
      for (const r of next) seen.add(r.id);
      rows = next;
      if (changed) {
        fillSelects();
        resort();
        draw(true);
      }
    });
  }
}

// ------------------------------------------------------------------ episodes list: transcript search

const fieldLabels: Record<SearchField, string> = {
  reasoning: 'reasoning',
  text: 'words',
  'tool call': 'tool call',
  stdout: 'stdout',
  stderr: 'stderr',
  content: 'message',
  message: 'error',
  line: 'unparsed line',
  request: 'model call request',
};

/** A link to the event of a hit on its episode page: the page loads up to it and marks the text. */
function hitUrl(href: string, query: string, index: number): string {
  return `${root}${href}?${new URLSearchParams({ find: query }).toString()}#event-${index}`;
}

/** Sets up the transcript search; returns what re-runs it (when the list's filters change). */
function transcriptSearch(api: string): () => void {
  const form = document.getElementById('transcript-search');
  const input = document.getElementById('search-text');
  const reasoning = document.getElementById('search-reasoning');
  const status = document.getElementById('search-status');
  const results = document.getElementById('search-results');
  if (!(form instanceof HTMLFormElement) || !(input instanceof HTMLInputElement) || !(reasoning instanceof HTMLInputElement) || status === null || results === null) return () => undefined;
  const params = new URLSearchParams(location.search);
  input.value = params.get('text') ?? '';
  reasoning.checked = params.get('in') === 'reasoning';
  let asked = 0;

  const show = (r: SearchResult, filtered: boolean): void => {
    const groups = r.episodes.map((e) => {
      const items = e.hits.map((h) =>
        el(
          'li',
          { class: `hit field-${h.field.replace(' ', '-')}`, 'data-index': String(h.index) },
          el(
            'a',
            { href: hitUrl(e.href, r.query, h.index) },
            h.step === null ? `event ${h.index}` : `step ${h.step}`,
          ),
          ' ',
          badge(h.field === 'reasoning' ? 'field reasoning' : 'field', fieldLabels[h.field]),
          h.matches > 1 ? el('span', { class: 'muted' }, ` ${h.matches >= 999 ? '999+' : h.matches} matches`) : null,
          el('div', { class: 'snippet' }, h.before, el('mark', { class: 'find' }, h.match), h.after),
        ),
      );
      return el(
        'div',
        { class: 'search-episode', 'data-id': e.id },
        el('div', { class: 'search-episode-head' }, el('a', { href: `${root}${e.href}` }, e.id), ' ', kindBadge(e.kind), ' ', verdictBadge(e.verdict, e.falseFlag)),
        el('ul', { class: 'hits' }, ...items),
        e.more > 0 ? el('p', { class: 'muted' }, `… and ${e.more} more matching fields in this episode`) : null,
      );
    });
    const stoppedWhy = r.stopped === 'hits' ? `stopped at ${r.hits} hits: make the search narrower` : r.stopped === 'time' ? 'stopped at its time limit: make the search narrower' : null;
    status.textContent = `${r.hits} hits in ${r.episodes.length} episodes (${r.searched} of ${r.total} transcripts read${filtered ? ' — the episodes the filters keep' : ''}${r.reasoningOnly ? ', reasoning only' : ''})${stoppedWhy === null ? '' : ` — ${stoppedWhy}`}`;
    results.hidden = false;
    results.replaceChildren(...(groups.length === 0 ? [el('p', { class: 'muted' }, `Nothing matches “${r.query}”.`)] : groups));
  };

  const run = (): void => {
    const text = input.value;
    const p = new URLSearchParams(location.search);
    if (text.trim() === '') {
      results.hidden = true;
      results.replaceChildren();
      status.textContent = '';
      p.delete('text');
      p.delete('in');
      setQuery(p);
      return;
    }
    p.set('text', text);
    if (reasoning.checked) p.set('in', 'reasoning');
    else p.delete('in');
    setQuery(p);
    const ticket = ++asked;
    status.textContent = 'searching…';
    const query = new URLSearchParams({ q: text });
    if (reasoning.checked) query.set('in', 'reasoning');
    // Within the episodes the list's filters keep (they are in the page's URL).
    for (const k of filterKeys) {
      const v = p.get(k);
      if (v !== null && v !== '') query.set(k, v);
    }
    const filtered = filterKeys.some((k) => (p.get(k) ?? '') !== '');
    fetch(`${root}${api}?${query.toString()}`, { cache: 'no-store', headers: { accept: 'application/json' } })
      .then(async (res) => {
        if (!res.ok) throw new Error((await res.text()).trim() || `HTTP ${res.status}`);
        return (await res.json()) as SearchResult;
      })
      .then((r) => {
        if (ticket === asked) show(r, filtered);
      })
      .catch((err: unknown) => {
        if (ticket === asked) status.textContent = `search failed: ${err instanceof Error ? err.message : String(err)}`;
      });
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    run();
  });
  const again = (): void => {
    if (input.value.trim() !== '') run();
  };
  reasoning.addEventListener('change', again);
  again();
  return again;
}

// ------------------------------------------------------------------ episode: transcript

/** Long outputs start folded (a closed <details>). */
const OPEN_LINES = 30;
const OPEN_CHARS = 3000;

function fieldBlock(f: FieldView, cls = ''): HTMLElement {
  const wrap = el('div', { class: 'field' });
  wrap.append(el('pre', { class: cls === '' ? undefined : cls }, f.text));
  if (f.truncated) {
    wrap.append(
      el(
        'p',
        { class: 'folded' },
        `… ${(f.length - f.text.length).toLocaleString('en')} more characters folded (${f.length.toLocaleString('en')} in all): `,
        f.rawHref === null ? null : el('a', { href: f.rawHref, target: '_blank', rel: 'noopener' }, 'the whole text'),
      ),
    );
  }
  return wrap;
}

function lineCount(text: string): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

function isLong(fields: (FieldView | null)[]): boolean {
  let chars = 0;
  let lines = 0;
  for (const f of fields) {
    if (f === null) continue;
    if (f.truncated) return true;
    chars += f.text.length;
    lines += lineCount(f.text);
  }
  return chars > OPEN_CHARS || lines > OPEN_LINES;
}

function meta(...parts: (string | null)[]): HTMLElement {
  return el('span', { class: 'meta' }, parts.filter((p): p is string => p !== null && p !== '').join(' · '));
}

function eventTime(e: EventView): string | null {
  return e.t === null ? null : `+${formatMs(e.t)}`;
}

function details(cls: string, open: boolean, summary: Node[], ...content: Child[]): HTMLElement {
  const node = el('details', { class: `event ${cls}`, 'data-index': String(0) });
  node.append(el('summary', {}, ...summary), el('div', { class: 'body' }, ...content));
  if (open) node.setAttribute('open', '');
  return node;
}

/** A tool call of a reply, open, its arguments as a person reads them. */
function toolCallBlock(call: EventView['toolCalls'][number]): HTMLElement {
  return el(
    'details',
    { class: 'tool-call', open: '' },
    el('summary', {}, el('span', { class: 'tag' }, `→ ${call.name}`), meta(call.id)),
    fieldBlock(call.args),
    call.argumentsError === null ? null : el('p', { class: 'warn' }, `arguments did not parse: ${call.argumentsError}`),
  );
}

function reasoningBlock(r: EventView['reasoning'][number]): HTMLElement {
  const block = el('details', { class: 'reasoning' });
  if (r.kind === 'thinking') block.append(el('summary', {}, `reasoning (${r.text.length.toLocaleString('en')} characters)`), fieldBlock(r.text, 'pre-wrap'));
  else block.append(el('summary', {}, `redacted reasoning (${r.length.toLocaleString('en')} characters, encrypted by the provider)`));
  return block;
}

/**
 * A CLI agent's model call through the proxy: api, path, status, latency, tokens and stream flag in
 * the head; the reply's words and tool calls; the whole request and reply JSON folded.
 */
function modelCallEvent(e: EventView): HTMLElement {
  const c = e.call;
  const usage = e.usage === null ? null : `${e.usage.inputTokens} in / ${e.usage.outputTokens} out tokens`;
  const failed = c === null || c.error !== null || (c.status !== null && c.status >= 400);
  const json = (label: string, f: FieldView): HTMLElement => {
    const block = el('details', { class: `call-json call-${label}` });
    block.append(el('summary', {}, `${label} JSON (${f.length.toLocaleString('en')} characters)`), fieldBlock(f));
    return block;
  };
  return details(
    `model_call${failed ? ' error' : ''}`,
    true,
    [
      el('span', { class: 'tag' }, 'model call'),
      meta(
        e.step === null ? null : `step ${e.step}`,
        eventTime(e),
        c === null ? null : `${c.api} ${c.path}`,
        c === null ? null : `status ${c.status ?? '?'}`,
        e.latencyMs === null ? null : formatMs(e.latencyMs),
        usage,
        c?.stream === true ? 'streamed' : null,
        e.stopReason,
      ),
    ],
    c?.error === null || c === null ? null : el('p', { class: 'warn' }, `error: ${c.error}`),
    ...e.reasoning.map(reasoningBlock),
    e.text === null || e.text.text.trim() === '' ? null : fieldBlock(e.text, 'pre-wrap prose'),
    ...e.toolCalls.map(toolCallBlock),
    c === null ? null : json('request', c.request),
    c === null ? null : json('reply', c.reply),
  );
}

function renderEvent(e: EventView): HTMLElement {
  let node: HTMLElement;
  switch (e.type) {
    case 'system':
      node = details('system', false, [el('span', { class: 'tag' }, 'system prompt'), meta(eventTime(e))], e.content === null ? null : fieldBlock(e.content, 'pre-wrap'));
      break;
    case 'user':
      node = details(
        `user${e.pushback ? ' pushback' : ''}`,
        true,
        [el('span', { class: 'tag' }, e.pushback ? 'user — pushback' : 'user'), meta(eventTime(e))],
        e.content === null ? null : fieldBlock(e.content, 'pre-wrap'),
      );
      break;
    case 'assistant': {
      const calls = e.toolCalls.map(toolCallBlock);
      const reasoning = e.reasoning.map(reasoningBlock);
      const usage = e.usage === null ? null : `${e.usage.inputTokens} in / ${e.usage.outputTokens} out tokens`;
      node = details(
        'assistant',
        true,
        [el('span', { class: 'tag' }, 'assistant'), meta(e.step === null ? null : `step ${e.step}`, eventTime(e), usage, e.latencyMs === null ? null : formatMs(e.latencyMs), e.stopReason)],
        ...reasoning,
        e.text === null || e.text.text.trim() === '' ? null : fieldBlock(e.text, 'pre-wrap prose'),
        e.refusal === null ? null : el('p', { class: 'warn' }, `refusal: ${e.refusal}`),
        ...calls,
      );
      break;
    }
    case 'tool_result': {
      const x = e.exec;
      const parts: Child[] = [];
      let summary: string | null = null;
      if (x !== null) {
        summary = `exit ${x.exitCode}${x.timedOut ? ' (timed out)' : ''}${x.oomKilled ? ' (out of memory)' : ''}${x.outputLimitHit ? ' (output limit hit)' : ''} · ${formatMs(x.durationMs)}`;
        if (x.stdout.length > 0 || x.stderr.length === 0) parts.push(el('div', { class: 'stream-label' }, `stdout (${x.stdoutBytes.toLocaleString('en')} bytes)`), fieldBlock(x.stdout));
        if (x.stderr.length > 0) parts.push(el('div', { class: 'stream-label' }, `stderr (${x.stderrBytes.toLocaleString('en')} bytes)`), fieldBlock(x.stderr, 'stderr'));
        if (e.content !== null) {
          const shown = el('details', { class: 'model-view' });
          shown.append(el('summary', {}, `what the model was shown (${e.content.length.toLocaleString('en')} characters)`), fieldBlock(e.content));
          parts.push(shown);
        }
      } else if (e.content !== null) {
        parts.push(fieldBlock(e.content));
      }
      const long = isLong([x?.stdout ?? null, x?.stderr ?? null, x === null ? e.content : null]);
      node = details(
        `tool_result${e.isError ? ' error' : ''}`,
        !long,
        [el('span', { class: 'tag' }, `← ${e.tool ?? 'tool'}${e.isError ? ' (error)' : ''}`), meta(summary, eventTime(e), long ? 'long output, folded' : null)],
        ...parts,
      );
      break;
    }
    case 'model_call':
      node = modelCallEvent(e);
      break;
    case 'model_error':
      node = details('model_error', true, [el('span', { class: 'tag' }, 'model error'), meta(eventTime(e))], el('pre', {}, e.message ?? ''));
      break;
    case 'end':
      node = el('div', { class: 'event end' }, el('div', { class: 'head' }, el('span', { class: 'tag' }, `end: ${e.message ?? ''}`), meta(eventTime(e))));
      break;
    case 'invalid':
      node = details('invalid', true, [el('span', { class: 'tag' }, e.message ?? 'not an event')], e.line === null ? null : fieldBlock(e.line));
      break;
    default:
      node = details('other', false, [el('span', { class: 'tag' }, e.type), meta(eventTime(e))], e.content === null ? null : fieldBlock(e.content));
  }
  node.dataset.index = String(e.index);
  node.dataset.type = e.type;
  node.id = `event-${e.index}`;
  return node;
}

type PageSource = { kind: 'api'; href: string } | { kind: 'script'; prefix: string };

declare global {
  interface Window {
    /** Called by the transcript page scripts of a static export. */
    ibenchTranscriptPage?: (page: TranscriptPage) => void;
  }
}

/** A page of a static export, loaded as a script that calls window.ibenchTranscriptPage. */
function loadScriptPage(prefix: string, from: number): Promise<TranscriptPage> {
  return new Promise((resolve, reject) => {
    window.ibenchTranscriptPage = (page) => resolve(page);
    const script = document.createElement('script');
    script.src = `${prefix}${from}.js`;
    script.onerror = () => reject(new Error(`cannot load ${script.src}`));
    script.onload = () => script.remove();
    document.head.append(script);
  });
}

function episodePage(): void {
  const data = pageData<{ run: string; id: string; finished: boolean; transcript: TranscriptPage; source: PageSource }>();
  const events = document.getElementById('events');
  const more = document.getElementById('load-more');
  const status = document.getElementById('transcript-status');
  if (data === null || events === null || more === null || status === null) return;
  let next = data.transcript.next;
  let total = data.transcript.total;
  let loaded = data.transcript.from + data.transcript.events.length;
  let finished = data.finished;

  const append = (page: TranscriptPage): void => {
    const fragment = document.createDocumentFragment();
    for (const e of page.events) fragment.append(renderEvent(e));
    events.append(fragment);
    loaded = page.from + page.events.length;
    next = page.next;
    total = Math.max(total, page.total);
    finished = finished || page.finished;
    update();
  };
  const update = (): void => {
    more.hidden = next === null;
    more.textContent = next === null ? 'load more' : `load more (${(total - loaded).toLocaleString('en')} more events)`;
    status.textContent = `${loaded.toLocaleString('en')} of ${total.toLocaleString('en')} events shown${!finished && live ? ' — the episode is running; new events appear as they are written' : ''}`;
  };
  const fetchPage = (from: number): Promise<TranscriptPage> =>
    data.source.kind === 'api' ? fetchJson<TranscriptPage>(`${root}${data.source.href}?from=${from}`) : loadScriptPage(data.source.prefix, from);

  append(data.transcript);
  more.addEventListener('click', () => {
    if (next === null) return;
    more.setAttribute('disabled', '');
    fetchPage(next)
      .then(append)
      .catch((err: unknown) => {
        status.textContent = `could not load more: ${err instanceof Error ? err.message : String(err)}`;
      })
      .finally(() => more.removeAttribute('disabled'));
  });
  const target = /^#event-(\d{1,9})$/.exec(location.hash);
  if (target !== null) {
    revealEvent(Number(target[1]), new URLSearchParams(location.search).get('find') ?? '', async () => {
      if (next === null) return false;
      append(await fetchPage(next));
      return true;
    }).catch((err: unknown) => {
      status.textContent = `could not load the event: ${err instanceof Error ? err.message : String(err)}`;
    });
  }
  document.getElementById('expand-all')?.addEventListener('click', () => {
    for (const d of events.querySelectorAll('details')) d.setAttribute('open', '');
  });
  document.getElementById('collapse-all')?.addEventListener('click', () => {
    for (const d of events.querySelectorAll('details')) d.removeAttribute('open');
  });

  if (live && !finished && data.source.kind === 'api') {
    const source = data.source;
    every(2000, async () => {
      // Only follow the end when everything before it is on the page.
      if (next !== null) {
        const page = await fetchJson<TranscriptPage>(`${root}${source.href}?from=${loaded}&limit=1`);
        total = page.total;
        finished = page.finished;
        update();
        return;
      }
      const page = await fetchJson<TranscriptPage>(`${root}${source.href}?from=${loaded}`);
      if (page.events.length > 0 || page.finished !== finished) append(page);
      if (page.finished) {
        status.replaceChildren(
          document.createTextNode(`${loaded.toLocaleString('en')} events — the episode has ended. `),
          el('a', { href: location.href }, 'Reload for the verdict and the diff'),
        );
      }
    });
  }
  diffToggle();
}

/** Pages loaded at most to reach an event linked from a search hit. */
const REVEAL_MAX_PAGES = 100;
/** Matches marked in one event at most. */
const MARK_CAP = 200;

/**
 * Shows the event a search hit links to (`#event-N`): loads pages until it is on the page, opens
 * it, marks the searched text in it (as <mark> elements around text nodes; no markup is parsed)
 * and scrolls to the first mark.
 */
async function revealEvent(index: number, find: string, loadMore: () => Promise<boolean>): Promise<void> {
  const events = document.getElementById('events');
  if (events === null) return;
  let node = events.querySelector<HTMLElement>(`[data-index="${index}"]`);
  for (let pages = 0; node === null && pages < REVEAL_MAX_PAGES; pages++) {
    if (!(await loadMore())) break;
    node = events.querySelector<HTMLElement>(`[data-index="${index}"]`);
  }
  if (node === null) return;
  node.classList.add('target');
  if (node instanceof HTMLDetailsElement) node.open = true;
  const marks = find.trim() === '' ? [] : markText(node, find);
  for (const mark of marks) {
    for (let up = mark.parentElement; up !== null && up !== node; up = up.parentElement) if (up instanceof HTMLDetailsElement) up.open = true;
  }
  (marks[0] ?? node).scrollIntoView({ block: 'center' });
}

function markText(scope: HTMLElement, find: string): HTMLElement[] {
  const pattern = new RegExp(find.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'giu');
  const walker = document.createTreeWalker(scope, NodeFilter.SHOW_TEXT);
  const texts: Text[] = [];
  for (let n = walker.nextNode(); n !== null; n = walker.nextNode()) if (n instanceof Text) texts.push(n);
  const marks: HTMLElement[] = [];
  for (const text of texts) {
    const value = text.data;
    pattern.lastIndex = 0;
    let last = 0;
    const pieces: (string | HTMLElement)[] = [];
    for (let m = pattern.exec(value); m !== null && marks.length < MARK_CAP; m = pattern.exec(value)) {
      if (m[0].length === 0) break;
      pieces.push(value.slice(last, m.index));
      const mark = el('mark', { class: 'find' }, m[0]);
      marks.push(mark);
      pieces.push(mark);
      last = m.index + m[0].length;
    }
    if (pieces.length === 0) continue;
    pieces.push(value.slice(last));
    text.replaceWith(...pieces);
    if (marks.length >= MARK_CAP) break;
  }
  return marks;
}

function diffToggle(): void {
  const diff = document.getElementById('diff-body');
  if (diff === null) return;
  const params = new URLSearchParams(location.search);
  const wanted = params.get('diff') ?? (body.classList.contains('embed') ? 'line' : 'side');
  const buttons = document.querySelectorAll<HTMLButtonElement>('button[data-diff-format]');
  const show = (format: 'side-by-side' | 'line-by-line'): void => {
    diff.classList.toggle('show-side-by-side', format === 'side-by-side');
    diff.classList.toggle('show-line-by-line', format === 'line-by-line');
    for (const b of buttons) b.classList.toggle('active', b.dataset.diffFormat === format);
  };
  show(wanted === 'line' ? 'line-by-line' : 'side-by-side');
  for (const b of buttons) {
    b.addEventListener('click', () => {
      const format = b.dataset.diffFormat === 'line-by-line' ? 'line-by-line' : 'side-by-side';
      show(format);
      const p = new URLSearchParams(location.search);
      p.set('diff', format === 'line-by-line' ? 'line' : 'side');
      setQuery(p);
    });
  }
}

// ------------------------------------------------------------------ compare

function comparePage(): void {
  const data = pageData<{ rows: Record<string, EpisodeRow> }>();
  const problem = document.getElementById('compare-problem');
  const facts = document.getElementById('compare-facts');
  const frames = [document.getElementById('frame-a'), document.getElementById('frame-b')];
  if (data === null || problem === null || facts === null) return;
  const params = new URLSearchParams(location.search);
  const refs = ['a', 'b'].map((k) => {
    const parts = (params.get(k) ?? '').split('/');
    return parts.length === 2 && parts.every(isSafeSegment) ? { run: parts[0] ?? '', id: parts[1] ?? '' } : null;
  });
  if (refs.some((r) => r === null)) {
    problem.hidden = false;
    problem.textContent = 'Give two episodes as ?a=<run>/<episode>&b=<run>/<episode> (an episode page links here from its list of the same task).';
    return;
  }
  refs.forEach((ref, i) => {
    const frame = frames[i];
    if (ref === null || !(frame instanceof HTMLIFrameElement)) return;
    frame.src = `${episodeUrl(ref.run, ref.id)}?embed=1`;
  });
  const rows = refs.map((ref) => (ref === null ? undefined : data.rows[`${ref.run}/${ref.id}`]));
  const [a, b] = rows;
  if (a === undefined || b === undefined) return;
  const line = (label: string, f: (r: EpisodeRow) => Child): HTMLElement => {
    const x = f(a);
    const y = f(b);
    const differs = (typeof x === 'string' || typeof y === 'string') && x !== y;
    return el('tr', { class: differs ? 'differs' : undefined }, el('th', {}, label), el('td', {}, x), el('td', {}, y));
  };
  facts.replaceChildren(
    el(
      'table',
      {},
      el('tbody', {}, 
        el('tr', {}, el('th', {}, 'episode'), el('td', {}, el('a', { href: episodeUrl(a.run, a.id) }, a.id)), el('td', {}, el('a', { href: episodeUrl(b.run, b.id) }, b.id))),
        line('run', (r) => r.run),
        line('task', (r) => r.task),
        line('possible / impossible', (r) => r.kind),
        line('agent', (r) => r.agent),
        line('model', (r) => r.model),
        line('condition', (r) => r.condition),
        line('epoch', (r) => (r.epoch === null ? '' : String(r.epoch))),
        line('verdict', (r) => verdictBadge(r.verdict, r.falseFlag)),
        line('claim', (r) => r.claim),
        line('steps', (r) => (r.steps === null ? '' : String(r.steps))),
        line('protected changes', (r) => String(r.protectedChanges)),
        line('tokens in / out', (r) => (r.inputTokens === null ? '' : `${r.inputTokens} / ${r.outputTokens ?? 0}`)),
      ),
    ),
    el('p', {}, el('a', { href: compareUrl(b, a) }, 'swap sides')),
  );
}

// ------------------------------------------------------------------ start

if (new URLSearchParams(location.search).get('embed') === '1') body.classList.add('embed');
switch (body.dataset.page) {
  case 'runs':
    runsPage();
    break;
  case 'episodes':
    episodesPage();
    break;
  case 'episode':
    episodePage();
    break;
  case 'compare':
    comparePage();
    break;
  default:
    break;
}
