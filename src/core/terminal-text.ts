/**
 * The one sanitizer for untrusted text shown to a human on a terminal: claim values of a token, server
 * bodies and error descriptions, the device-code message, Graph and Databricks fields in tables, a shared
 * trace file. A forged token or a hostile server must not be able to clear the screen, draw a fake report,
 * hide an error, set the window title, write the clipboard (OSC 52) or reorder text (bidi overrides).
 *
 * Every C0 control (except newline and tab where the layout allows them), DEL, every C1 control and every
 * bidi control is shown escaped (`\x1b`, `\x9b`, `\u202e`), so the text stays readable and nothing is lost.
 * JSON output never goes through this: `JSON.stringify` already escapes C0 and its text must stay exact.
 * @see https://invisible-islands.net/xterm/ctlseqs/ctlseqs.html (what ESC, CSI and OSC sequences can do)
 * @see https://www.unicode.org/reports/tr9/#Explicit_Directional_Formatting_Characters
 */

/** C0 (but \t \n), DEL, C1, and the bidi and line/paragraph separators. */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const UNSAFE_ONE_LINE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escape(c: string): string {
  const n = c.charCodeAt(0);
  return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
}

/**
 * Untrusted text made safe for a terminal. With `oneLine`, newlines and tabs are escaped too (a value in a
 * table cell or a one-line message); otherwise they are kept (a body shown over several lines).
 */
export function forTerminal(text: string, opts: { oneLine?: boolean } = {}): string {
  return text.replace(opts.oneLine ? UNSAFE_ONE_LINE : UNSAFE, escape);
}

/** Whether a text would be changed by {@link forTerminal} (it carries control or bidi characters). */
export function hasTerminalControls(text: string): boolean {
  UNSAFE.lastIndex = 0;
  const r = UNSAFE.test(text);
  UNSAFE.lastIndex = 0;
  return r;
}
