/**
 * Where a JSON text goes wrong, as a line and column a person can open the file at: used for
 * daemon.json and for `plan --state` snapshots, which are often hand-edited or pasted.
 */

/** Line, column (1-based) and a one-line description of why JSON.parse refused `text`. */
export function locateJsonError(text: string, err: Error): { line: number, column: number, problem: string } {
  const offset = jsonErrorOffset(text, err.message)
  return { ...lineColumnAt(text, offset), problem: jsonProblem(text, offset, err.message) }
}

/**
 * Offset (UTF-16 code units) of a JSON syntax error in `text`. Taken from the "at position N"
 * of V8's JSON.parse message when present; V8 (Node 20) omits it for "Unexpected token" and
 * "Unexpected end" errors, so then the text is scanned for the first offending character.
 */
export function jsonErrorOffset(text: string, message: string): number {
  const m = /at position (\d+)/.exec(message)
  if (m) return Number(m[1])
  return findJsonSyntaxError(text) ?? text.length
}

/** 1-based line and column of `offset` in `text` (column counts UTF-16 code units). */
export function lineColumnAt(text: string, offset: number): { line: number, column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)))
  const lines = before.split('\n')
  return { line: lines.length, column: lines[lines.length - 1].length + 1 }
}

/**
 * Offset of the first character that makes `text` invalid JSON (RFC 8259), or null when it is
 * valid. Used only to place errors; the parse itself is JSON.parse's.
 */
export function findJsonSyntaxError(text: string): number | null {
  let i = 0
  const ws = () => { while (i < text.length && ' \t\n\r'.includes(text[i])) i++ }
  const literal = (): boolean => {
    for (const lit of ['true', 'false', 'null']) {
      if (text.startsWith(lit, i)) { i += lit.length; return true }
    }
    for (const lit of ['true', 'false', 'null']) {
      if (text[i] === lit[0]) {
        let k = 0
        while (text[i + k] === lit[k]) k++
        i += k
        return false
      }
    }
    return false
  }
  const str = (): boolean => {
    i++ // opening quote
    while (i < text.length) {
      const c = text[i]
      if (c === '"') { i++; return true }
      if (c < ' ') return false
      if (c === '\\') {
        const e = text[i + 1]
        if (e === 'u') {
          i += 2
          for (let k = 0; k < 4; k++, i++) {
            if (!/[0-9a-fA-F]/.test(text[i] ?? '')) return false
          }
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) {
          i += 2
        } else {
          i++
          return false
        }
        continue
      }
      i++
    }
    return false
  }
  const num = (): boolean => {
    const digits = (): boolean => {
      if (!/[0-9]/.test(text[i] ?? '')) return false
      while (/[0-9]/.test(text[i] ?? '')) i++
      return true
    }
    if (text[i] === '-') i++
    if (text[i] === '0') i++
    else if (!digits()) return false
    if (text[i] === '.') { i++; if (!digits()) return false }
    if (text[i] === 'e' || text[i] === 'E') {
      i++
      if (text[i] === '+' || text[i] === '-') i++
      if (!digits()) return false
    }
    return true
  }
  const container = (close: '}' | ']'): boolean => {
    i++ // opening bracket
    ws()
    if (text[i] === close) { i++; return true }
    for (;;) {
      if (close === '}') {
        ws()
        if (text[i] !== '"' || !str()) return false
        ws()
        if (text[i] !== ':') return false
        i++
      }
      if (!value()) return false
      ws()
      if (text[i] === ',') { i++; continue }
      if (text[i] === close) { i++; return true }
      return false
    }
  }
  const value = (): boolean => {
    ws()
    const c = text[i]
    if (c === '{') return container('}')
    if (c === '[') return container(']')
    if (c === '"') return str()
    if (c === '-' || (c >= '0' && c <= '9')) return num()
    return literal()
  }
  if (!value()) return i
  ws()
  return i < text.length ? i : null
}

/** A one-line description of the problem at `offset`, for the error message. */
export function jsonProblem(text: string, offset: number, v8Message: string): string {
  // V8's "Expected ',' or '}' after property value" is a good hint; its "Unexpected token"
  // form embeds a multi-line excerpt of the file, which would break the one-line log.
  const hint = /^(.*?) in JSON at position \d+/.exec(v8Message)?.[1]
  if (hint) return hint
  return offset >= text.length ? 'unexpected end of file' : `unexpected ${JSON.stringify(text[offset])}`
}

