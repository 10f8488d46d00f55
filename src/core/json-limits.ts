/**
 * Limits on untrusted JSON: how deep a value may nest before the tool stops walking it. V8 parses any
 * depth, but every recursive walker (redaction, rendering, `JSON.stringify`) overflows the stack somewhere
 * past a few thousand levels; no Entra, Databricks or Graph answer nests more than a dozen.
 */

/** The deepest nesting any walker of the tool follows (objects and arrays). */
export const MAX_JSON_DEPTH = 64;

/**
 * The nesting depth of a JSON text, counted without parsing (brackets outside strings), stopping as soon as
 * `limit` is passed. Iterative, so any input is safe.
 */
export function jsonDepth(text: string, limit = Infinity): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

/** `JSON.parse`, or undefined when the text is not JSON or nests deeper than `maxDepth`. */
export function parseJsonBounded(text: string, maxDepth = MAX_JSON_DEPTH): unknown {
  if (jsonDepth(text, maxDepth) > maxDepth) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The depth of an already parsed value (iterative; stops past `limit`). */
export function valueDepth(value: unknown, limit = MAX_JSON_DEPTH): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v && typeof v === 'object') {
      if (d + 1 > max) {
        max = d + 1;
        if (max > limit) return max;
      }
      for (const x of Array.isArray(v) ? v : Object.values(v)) stack.push([x, d + 1]);
    }
  }
  return max;
}
