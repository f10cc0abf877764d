/**
 * How the one-file bundle carries its program (scripts/bundle.mjs writes it, bundle-entry.ts
 * reads it back): as a block comment at the end of the bundle, not as a string literal.
 *
 * Why: Node compiles the whole entry module before running it, and a 570 KB string literal
 * costs that compile about 3.5 ms (--cpu-prof of the bundle, Node 20), while a comment is only
 * skipped by the scanner. The entry then reads its own file once, which is cheaper (about 0.1
 * ms from the page cache). Measured side by side by `npm run bench` (BENCHMARKS.md).
 *
 * The comment is `/*` U+0002 LF, the program with every `*` `/` written `*` U+0001 `/` (so the
 * comment cannot end early), LF U+0002 `*` `/`. esbuild writes ASCII only (its default
 * charset), so the file is read as latin1 (one byte, one character, no UTF-8 decoding); a
 * program with U+0001 or U+0002 or any non-ASCII character is refused at build time.
 *
 * Imports nothing: the entry loads it before the program.
 */

const OPEN = '/*\u0002\n'
const CLOSE = '\n\u0002*/\n'
const END_OF_COMMENT = /\*\//g
const ESCAPED_END = /\*\u0001\//g

/**
 * The trailing comment that carries `program` (bundle.mjs appends it to the entry's file).
 * @param program CommonJS source, ASCII only
 * @returns the comment, ending with a newline
 * @throws Error when `program` has a character the comment cannot carry (U+0001, U+0002, or
 *   U+0000, anything beyond ASCII), naming its offset
 */
export function embedProgram(program: string): string {
  const bad = /[^\u0003-\u007f]/.exec(program)
  if (bad) {
    throw new Error(`the program has character U+${bad[0].codePointAt(0)!.toString(16).padStart(4, '0')} at offset ${bad.index}: a bundle comment carries ASCII only, without U+0000 to U+0002`)
  }
  return `${OPEN}${program.replace(END_OF_COMMENT, '*\u0001/')}${CLOSE}`
}

/**
 * The program embedProgram put at the end of `bundleText` (the bundle read as latin1).
 * @returns the program's source, exactly as it was given to embedProgram
 * @throws Error when the bundle has no such comment (a copy cut short or rewritten by a tool)
 */
export function readEmbeddedProgram(bundleText: string): string {
  // The last ones: the entry's own code, before the comment, has these markers as strings too.
  const start = bundleText.lastIndexOf(OPEN)
  const end = bundleText.lastIndexOf(CLOSE)
  if (start < 0 || end < start + OPEN.length) {
    throw new Error('the bundle has no embedded program at its end: the file was cut short or rewritten; copy it again from the build')
  }
  return bundleText.slice(start + OPEN.length, end).replace(ESCAPED_END, '*/')
}
