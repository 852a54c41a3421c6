/**
 * A windowed table body: of a long list, only the rows in (and near) the scroller's view are in the
 * DOM, between two spacer rows that keep the scroll height of the whole list. Rows have one fixed
 * height (CSS: `table.windowed tr`), measured on the first row drawn, so a row's place is its
 * index times that height. Part of the viewer's browser script (assets.ts joins the client files
 * into one classic script).
 */

/** The row height in the stylesheet (style.ts: table.windowed tbody tr), used until one is measured. */
const FALLBACK_ROW_HEIGHT = 30;

export interface WindowedRowsOptions<T> {
  /** The element that scrolls (overflow: auto) and holds the table. */
  scroller: HTMLElement;
  tbody: HTMLTableSectionElement;
  /** Columns of the table, for the spacer cells. */
  columns: number;
  row: (item: T) => HTMLTableRowElement;
  /** Rows drawn beyond each edge of the view. */
  overscan?: number;
}

export class WindowedRows<T> {
  private items: readonly T[] = [];
  private rowHeight = 0;
  private first = -1;
  private last = -1;
  private pending = false;
  private readonly overscan: number;

  constructor(private readonly o: WindowedRowsOptions<T>) {
    this.overscan = o.overscan ?? 12;
    const schedule = (): void => {
      if (this.pending) return;
      this.pending = true;
      requestAnimationFrame(() => {
        this.pending = false;
        this.draw(false);
      });
    };
    o.scroller.addEventListener('scroll', schedule, { passive: true });
    window.addEventListener('resize', schedule);
  }

  /** Shows a new list; `keepScroll` leaves the scroll position (a live update), otherwise back to the top. */
  setItems(items: readonly T[], keepScroll = false): void {
    this.items = items;
    if (!keepScroll) this.o.scroller.scrollTop = 0;
    this.draw(true);
  }

  private spacer(height: number): HTMLTableRowElement {
    const tr = document.createElement('tr');
    tr.className = 'spacer';
    tr.setAttribute('aria-hidden', 'true');
    const td = document.createElement('td');
    td.colSpan = this.o.columns;
    td.style.height = `${height}px`;
    tr.append(td);
    return tr;
  }

  private draw(force: boolean): void {
    const { scroller, tbody } = this.o;
    const n = this.items.length;
    if (n === 0) {
      tbody.replaceChildren();
      this.first = this.last = -1;
      return;
    }
    if (this.rowHeight === 0) {
      const probe = this.o.row(this.items[0] as T);
      tbody.replaceChildren(probe);
      // A table not laid out (hidden) measures 0: the CSS height stands in until it can be measured.
      this.rowHeight = probe.getBoundingClientRect().height;
    }
    const h = this.rowHeight > 0 ? this.rowHeight : FALLBACK_ROW_HEIGHT;
    const head = scroller.querySelector('thead')?.getBoundingClientRect().height ?? 0;
    // The scroller may still be growing to its maximum height: the window's height bounds its view.
    const view = Math.max(scroller.clientHeight, window.innerHeight);
    const top = Math.max(0, scroller.scrollTop - head);
    const first = Math.max(0, Math.floor(top / h) - this.overscan);
    const last = Math.min(n, Math.ceil((top + view) / h) + this.overscan);
    if (!force && first === this.first && last === this.last) return;
    this.first = first;
    this.last = last;
    const rows: HTMLTableRowElement[] = [];
    if (first > 0) rows.push(this.spacer(first * h));
    for (let i = first; i < last; i++) rows.push(this.o.row(this.items[i] as T));
    if (last < n) rows.push(this.spacer((n - last) * h));
    tbody.replaceChildren(...rows);
  }
}
