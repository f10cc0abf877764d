/**
 * How deeply a JSON text nests, found without recursion, so that a file nested absurdly deep
 * (daemon.json, a --state snapshot) is refused with its line and column before anything walks
 * it: JSON.stringify and our own walkers recurse, and overflow Node's stack a few thousand levels
 * down (a RangeError, which would otherwise surface as an internal error, exit 70).
 */

/**
 * The deepest nesting we read: far beyond any real config (daemon.json nests 3 levels), and
 * well within what JSON.stringify and a recursive walk survive on Node's default stack. Go's
 * encoding/json, which dockerd uses, stops at 10000.
 */
export const MAX_JSON_DEPTH = 1000

/**
 * Where `text` first nests deeper than `max` objects and arrays (1-based line and column of the
 * opening bracket), or null when it does not. Brackets inside strings do not count. Iterative:
 * O(length) time, O(1) memory. Never throws; says nothing about whether the text is valid JSON.
 */
export function firstTooDeep(text: string, max: number = MAX_JSON_DEPTH): { line: number, column: number } | null {
  let depth = 0
  let inString = false
  let line = 1
  let lineStart = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c) i++ // backslash: the next character is escaped
      else if (c === 0x22) inString = false
      continue
    }
    if (c === 0x22) inString = true
    else if (c === 0x0a) { line++; lineStart = i + 1 }
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return { line, column: i - lineStart + 1 }
    } else if (c === 0x7d || c === 0x5d) depth--
  }
  return null
}
