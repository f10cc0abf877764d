/**
 * What one execve(2) can carry on Linux, as the kernel counts it: the limits an exec of ours must
 * stay within, or it fails with E2BIG after the machine was changed and dockerd never starts.
 * image/dockerd-shim.sh spells its one derived number (RAW_ARGV_MAX) itself; chain.test.ts checks it.
 *
 * On the start-up path: imports nothing but node:fs.
 */
import { readFileSync } from 'node:fs'

/**
 * Most bytes of one argv or envp string, its NUL included: include/uapi/linux/binfmts.h
 * `MAX_ARG_STRLEN (PAGE_SIZE * 32)`, with 4 KiB pages (the smallest, so it holds everywhere).
 */
export const MAX_ARG_STRLEN = 131_072

/**
 * The least room for all strings the kernel gives whatever the stack limit: include/uapi/linux/limits.h
 * `ARG_MAX` (32 pages), which fs/exec.c bprm_stack_limits keeps as a floor.
 */
export const ARG_MAX_FLOOR = 131_072

/** Longest path the kernel takes (include/uapi/linux/limits.h `PATH_MAX`, NUL included): room kept for a program's path not yet looked up. */
export const PATH_MAX = 4096

/** include/uapi/linux/resource.h `_STK_LIM` (8 MiB), of which bprm_stack_limits allows 3/4 at most. */
const STK_LIM = 8 * 1024 * 1024

/** Bytes of a pointer in argv/envp, which bprm_stack_limits counts against the room too (64-bit). */
const POINTER = 8

/**
 * Room for the strings of one exec (filename, argv, envp), as fs/exec.c bprm_stack_limits sets it:
 * a quarter of the stack's soft limit, at most 3/4 of _STK_LIM (6 MiB), at least ARG_MAX_FLOOR.
 * `getconf ARG_MAX` shows the quarter (2 MiB for the usual 8 MiB stack).
 * @param stackBytes RLIMIT_STACK's soft limit in bytes, Infinity for unlimited, null when unknown
 *   (then the floor, which holds whatever the limit). Pure.
 */
export function execRoomFor(stackBytes: number | null): number {
  if (stackBytes === null) return ARG_MAX_FLOOR
  return Math.max(ARG_MAX_FLOOR, Math.min(STK_LIM / 4 * 3, Math.floor(stackBytes / 4)))
}

/**
 * execRoomFor this process's stack limit, from /proc/self/limits ("Max stack size", soft, bytes;
 * a child exec'd from us has the same). Unreadable or unparsable: the floor. Never throws.
 */
export function execRoom(): number {
  let text = ''
  try { text = readFileSync('/proc/self/limits', 'utf8') } catch { return execRoomFor(null) }
  const soft = /^Max stack size\s+(\S+)/m.exec(text)?.[1]
  if (soft === 'unlimited') return execRoomFor(Infinity)
  return execRoomFor(soft !== undefined && /^\d+$/.test(soft) ? Number(soft) : null)
}

/**
 * Why execve(`file`, `argv`, `env`) would fail with E2BIG, or null when it fits: a string longer
 * than MAX_ARG_STRLEN (NUL included), or all strings (each with its NUL: filename, argv, and
 * `NAME=value` per variable) and their pointers past `room` bytes (execRoom), counted as
 * bprm_stack_limits counts them. Strings are counted as UTF-8, as Node passes them. Pure.
 */
export function execTooBig(file: string, argv: readonly string[], env: Readonly<Record<string, string>>, room: number): string | null {
  const strings = [...argv, ...Object.entries(env).map(([k, v]) => `${k}=${v}`)]
  let total = Buffer.byteLength(file) + 1 + POINTER * strings.length
  for (const [i, s] of strings.entries()) {
    const n = Buffer.byteLength(s) + 1
    if (n > MAX_ARG_STRLEN) {
      const what = i < argv.length ? `argument ${i}` : `variable ${s.slice(0, s.indexOf('='))}`
      return `${what} would be ${n} bytes, past the kernel's ${MAX_ARG_STRLEN} for one string (MAX_ARG_STRLEN)`
    }
    total += n
  }
  return total > room ? `the arguments and environment would be ${total} bytes, past the kernel's ${room} for one exec (a quarter of the stack limit)` : null
}
