/**
 * Arguments whose bytes are not UTF-8, kept through Node. Node decodes argv as UTF-8 and
 * replaces what is not with U+FFFD, so image/dockerd-shim.sh hands the wrapper the original
 * bytes beside argv (RAW_ARGV_VAR); the wrapper plans on Node's lossy strings, and the final
 * exec puts the bytes back (exec-dockerd.ts) through `/bin/sh -c`, since Node passes strings only.
 *
 * On the start-up path: imports nothing but handover.ts and exec-limits.ts.
 */
import { execTooBig, MAX_ARG_STRLEN } from './exec-limits.js'
import { RAW_ARGV_VAR } from './handover.js'
import type { Env } from './options.js'

/**
 * Longest value of RAW_ARGV_VAR an exec can carry: one environment string, `NAME=value` and its
 * NUL, is at most MAX_ARG_STRLEN. image/dockerd-shim.sh spells it (test/image/chain.test.ts
 * checks) and starts dockerd the plain way past it.
 */
export const RAW_ARGV_MAX = MAX_ARG_STRLEN - RAW_ARGV_VAR.length - 2

/** One argument that is not UTF-8: the string Node made of it, and its bytes. */
export interface RawArg {
  text: string
  /**
   * The argument's bytes; null for an argument that is valid UTF-8 yet reads the same as one that
   * is not (a real U+FFFD in it): it keeps its place in the order, so that it keeps its own text.
   */
  bytes: Uint8Array | null
}

/**
 * The arguments `argv` had as bytes, from RAW_ARGV_VAR in `env`: one token per argument,
 * space-separated, `-` for one Node has right (valid UTF-8), `x` and its bytes in lower-case hex
 * for one that is not. Taken only when the tokens are as many as `argv` and each hex token decodes
 * (as Node decodes argv: WHATWG UTF-8, U+FFFD per bad sequence) to its argument exactly: a value
 * left over from another command line must not put other bytes in.
 * @param argv the wrapper's arguments without node and script (`process.argv.slice(2)`)
 * @returns `raw`: the arguments not UTF-8, in argv's order, with those UTF-8 ones that read the
 *   same (bytes null; none of either when the variable is unset or does not match); `warning`: why a set variable was not taken, or null. Pure; never throws.
 */
export function readRawArgv(argv: readonly string[], env: Env): { raw: RawArg[], warning: string | null } {
  const value = env[RAW_ARGV_VAR]
  if (value === undefined) return { raw: [], warning: null }
  const tokens = value.split(' ')
  const raw: RawArg[] = []
  let bad = tokens.length !== argv.length
  for (let i = 0; i < tokens.length && !bad; i++) {
    const token = tokens[i]
    if (token === '-') continue
    if (!/^x(?:[0-9a-f]{2})*$/.test(token)) { bad = true; break }
    const bytes = Uint8Array.from(Buffer.from(token.slice(1), 'hex'))
    if (Buffer.from(bytes).toString('utf8') !== argv[i]) { bad = true; break }
    raw.push({ text: argv[i], bytes })
  }
  if (bad) {
    return { raw: [], warning: `${RAW_ARGV_VAR} does not match this command line (not the dockerd shim's for it): ignored; an argument that is not UTF-8 reaches the program as Node decoded it (U+FFFD)` }
  }
  if (raw.length === 0) return { raw, warning: null }
  // A UTF-8 argument that reads like a raw one (`/x/\uFFFD` written as such, beside `/x/\xff`)
  // stands in the order too, without bytes: matched first, it keeps its text (trial).
  const lossy = new Set(raw.map((r) => r.text))
  const inOrder: RawArg[] = []
  let next = 0
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i] !== '-') inOrder.push(raw[next++])
    else if (lossy.has(argv[i])) inOrder.push({ text: argv[i], bytes: null })
  }
  return { raw: inOrder, warning: null }
}

/**
 * `args` with the bytes of `raw` put back: each argument equal to the string of the next raw
 * argument still unused (in order) is that one's bytes (or stays itself, for a UTF-8 one that
 * reads the same, bytes null: readRawArgv keeps those in the order). The user's words keep their order
 * through our parsing (ours are only taken out, flags only added), and what we add never equals
 * a lossy string of the user's (a raw one has U+FFFD in it where a byte was not UTF-8). One
 * ambiguity stays: two raw words that read alike, of which ours took one (its value), e.g.
 * `--autonet-probe \xff … \xfe`, leave the other the first one's bytes.
 * @returns the arguments, a Uint8Array where bytes go back. Pure.
 */
export function restoreRaw(args: readonly string[], raw: readonly RawArg[]): (string | Uint8Array)[] {
  let next = 0
  return args.map((a) => {
    const k = raw.findIndex((r, i) => i >= next && r.text === a)
    if (k < 0) return a
    next = k + 1
    return raw[k].bytes ?? a
  })
}

/**
 * A printf format that prints `bytes` exactly, in pieces of at most `max` characters (one exec
 * string each: MAX_ARG_STRLEN with its NUL). Printable ASCII stays as is, but for `\` and `%`
 * (printf's own) and a `-` first in a piece (dash and bash take it as an option); any other byte
 * is `\ooo`, three digits so that a digit after it stays a digit. An empty `bytes` is one empty piece; `max` >= 4.
 * @returns the pieces, ASCII only, none empty unless `bytes` is. Pure.
 */
export function printfPieces(bytes: Uint8Array, max = MAX_ARG_STRLEN - 1): string[] {
  const pieces: string[] = []
  let piece = ''
  for (const b of bytes) {
    const plain = b >= 0x20 && b <= 0x7e && b !== 0x5c && b !== 0x25
    let text = plain ? String.fromCharCode(b) : `\\${b.toString(8).padStart(3, '0')}`
    if (piece.length + text.length > max) { pieces.push(piece); piece = '' }
    if (piece === '' && text === '-') text = '\\055'
    piece += text
  }
  pieces.push(piece)
  return pieces
}

/**
 * `/bin/sh`'s arguments after its argv[0] to exec `path` with `args`, bytes and all:
 * `-c SCRIPT PATH`, then each string of `args` as the positional parameter of its place (one
 * with bytes as ''), then the printf pieces (printfPieces) of those with bytes. The script
 * rebuilds each of those from its pieces (POSIX printf: `\ddd` in the format is the byte of
 * octal ddd) and execs `$0` with them all in order (`exec` keeps the PID): no byte of the
 * user's is ever script text; an `x` after the pieces keeps a trailing newline from `$(...)`,
 * which strips those, and is taken off. Every piece fits one exec string (MAX_ARG_STRLEN); the
 * script grows by some 10 characters an argument. `path` must contain a `/` (else sh searches
 * PATH). Pure.
 */
export function rawShellArgs(path: string, args: readonly (string | Uint8Array)[]): string[] {
  const pieces: string[] = []
  const lines: string[] = []
  const words = args.map((a, i) => {
    if (typeof a === 'string') return `"\${${i + 1}}"`
    const at = args.length + pieces.length + 1
    const own = printfPieces(a)
    pieces.push(...own)
    const prints = own.map((_, k) => `printf "\${${at + k}}"; `).join('')
    lines.push(`r${i + 1}=$(${prints}printf x)`, `r${i + 1}=\${r${i + 1}%x}`)
    return `"$r${i + 1}"`
  })
  const script = [...lines, `exec "$0" ${words.join(' ')}`.trimEnd()].join('\n')
  return ['-c', script, path, ...args.map((a) => typeof a === 'string' ? a : ''), ...pieces]
}

/**
 * How `path` is exec'd with `args`, the bytes of `raw` back (restoreRaw): null when no argument
 * gets bytes back (exec `path` itself); else `count`, the arguments that do, and either
 * `shellArgs` (rawShellArgs, for `shell`) or, when that exec would not fit (execTooBig with
 * `env` and `room`), `tooBig`: why. The shell's exec is the larger of the two it makes (its
 * dockerd gets each byte once, without the kind words), so it is the one measured. Pure.
 */
export function rawRestore(shell: string, path: string, args: readonly string[], raw: readonly RawArg[], env: Readonly<Record<string, string>>, room: number):
  null | { count: number, shellArgs: string[], tooBig: null } | { count: number, shellArgs: null, tooBig: string } {
  const restored = restoreRaw(args, raw)
  const count = restored.filter((a) => typeof a !== 'string').length
  if (count === 0) return null
  const shellArgs = rawShellArgs(path, restored)
  const tooBig = execTooBig(shell, ['sh', ...shellArgs], env, room)
  return tooBig === null ? { count, shellArgs, tooBig } : { count, shellArgs: null, tooBig }
}
