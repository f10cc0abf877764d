/**
 * Arguments whose bytes are not UTF-8, kept through Node. Node decodes argv as UTF-8 and
 * replaces what is not with U+FFFD, so image/dockerd-shim.sh hands the wrapper the original
 * bytes beside argv (RAW_ARGV_VAR); the wrapper plans on Node's lossy strings, and the final
 * exec puts the bytes back (exec-dockerd.ts) through `/bin/sh -c`, since Node passes strings only.
 *
 * On the start-up path: imports nothing but handover.ts.
 */
import { RAW_ARGV_VAR } from './handover.js'
import type { Env } from './options.js'

/** One argument that is not UTF-8: the string Node made of it, and its bytes. */
export interface RawArg {
  text: string
  bytes: Uint8Array
}

/**
 * The arguments `argv` had as bytes, from RAW_ARGV_VAR in `env`: one token per argument,
 * space-separated, `-` for one Node has right (valid UTF-8), `x` and its bytes in lower-case hex
 * for one that is not. Taken only when the tokens are as many as `argv` and each hex token decodes
 * (as Node decodes argv: WHATWG UTF-8, U+FFFD per bad sequence) to its argument exactly: a value
 * left over from another command line must not put other bytes in.
 * @param argv the wrapper's arguments without node and script (`process.argv.slice(2)`)
 * @returns `raw`: the arguments not UTF-8, in argv's order (none when the variable is unset or
 *   does not match); `warning`: why a set variable was not taken, or null. Pure; never throws.
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
  return { raw, warning: null }
}

/**
 * `args` with the bytes of `raw` put back: each argument equal to the string of the next raw
 * argument still unused (in order) is that one's bytes. The user's words keep their order
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
    return raw[k].bytes
  })
}

/**
 * A `/bin/sh -c` script that execs its `$0` with `args`: a string argument is passed as the
 * positional parameter of its place (the caller passes `args` as `$1`…, bytes as any string), one
 * with bytes is rebuilt with printf's octal escapes (POSIX printf: `\ddd` in the format), each byte
 * as `\ooo`, so no byte of the user's is ever shell syntax; an `x` after them keeps a trailing
 * newline from `$(...)`, which strips those, and is taken off. `exec` keeps the PID.
 */
export function rawExecScript(args: readonly (string | Uint8Array)[]): string {
  const lines: string[] = []
  const words = args.map((a, i) => {
    if (typeof a === 'string') return `"\${${i + 1}}"`
    const octal = Array.from(a, (b) => `\\${b.toString(8).padStart(3, '0')}`).join('')
    lines.push(`r${i + 1}=$(printf '${octal}x')`, `r${i + 1}=\${r${i + 1}%x}`)
    return `"$r${i + 1}"`
  })
  return [...lines, `exec "$0" ${words.join(' ')}`.trimEnd()].join('\n')
}
