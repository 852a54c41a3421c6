/**
 * Text that came from a model or from the agent's tree (transcript text, tool output, file names,
 * test output, submit messages, error text quoting them) is shown on a terminal only through
 * `visible`: a terminal acts on escape sequences (clear the screen, set the window title, write
 * the clipboard with OSC 52, ...), so every control character is written as a visible escape.
 */

/**
 * C0 controls other than \t and \n, DEL, C1 controls, and the Unicode bidirectional overrides and
 * isolates (which reorder what a reader sees, "Trojan Source").
 */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function escapeOf(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  if (code === 0x0d) return '\\r';
  if (code <= 0xff) return `\\x${code.toString(16).padStart(2, '0')}`;
  return `\\u{${code.toString(16)}}`;
}

/** The text with every terminal control character made visible (`\x1b[2J`); \n and \t are kept. */
export function visible(text: string): string {
  return text.replace(UNSAFE, escapeOf);
}

/** visible() for text that must stay on one line (a file name, an id): \n and \t made visible too. */
export function visibleLine(text: string): string {
  return visible(text).replace(/\n/g, '\\n').replace(/\t/g, '\\t');
}

/** Characters JSON.stringify leaves raw that a terminal still acts on (DEL, C1) or that reorder text. */
const JSON_UNSAFE = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * JSON.stringify for output that may reach a terminal (--json, --jsonl): the same value when
 * parsed, with every character a terminal could act on written as a \uXXXX escape.
 */
export function terminalSafeJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(JSON_UNSAFE, (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`);
}
