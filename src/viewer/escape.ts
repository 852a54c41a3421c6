/**
 * The viewer's one way to put text into HTML. Every string that comes from a model, a task, a
 * file or a URL goes through escapeHtml (directly, or as an interpolation in the html`` template,
 * which escapes every value that is not already SafeHtml).
 */

const entities: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Escapes text for an HTML element's content or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (ch) => entities[ch] ?? ch);
}

/** Markup that is already safe: made by the html`` template or by a trusted renderer (diff2html). */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return (value as readonly HtmlValue[]).map(render).join('');
  return escapeHtml(String(value));
}

/** Template tag: the literal parts are markup, every interpolated value is escaped (unless SafeHtml). */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

/** Marks trusted markup as safe. Only for output of our own renderers and of diff2html. */
export function trusted(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/**
 * JSON to embed in a <script type="application/json"> block (or a .js data file): `<`, `>`, `&`
 * and the JavaScript line separators are written as \u escapes, so no `</script>` or `<!--` can end
 * the block early. The client reads it back with JSON.parse(el.textContent).
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
