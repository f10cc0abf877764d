/**
 * Which program a command name runs, decided once for the start path: the exec (exec-dockerd.ts),
 * the check before anything is applied (main's canRun) and whom the reader asks `--version`.
 * It is the home of "which dockerd is real" at start; install decides it for a tree
 * (plan-install.ts) on the same isShim.
 *
 * On the start-up path: node:fs and node:path only.
 */
import { accessSync, closeSync, constants as fsConstants, openSync, readSync, statSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { isShim, SHIM_HEAD_BYTES, shimTarget } from '../install/shim.js'

/** Exit codes of a shell: 127 command not found, 126 found but not executable. */
export const EXIT_NOT_FOUND = 127
export const EXIT_NOT_EXECUTABLE = 126

/** A program found on PATH, or the shell's exit code and message when it is not. */
export type Resolved = { path: string } | { code: number, message: string }

/** The script this process runs (the npm bin or the bundle, through any symlink), or null. */
export function ownScript(): string | null {
  return process.argv[1] ?? null
}

/**
 * Find `cmd` the way a shell does: a name with a `/` is used as is; a bare name is looked up in
 * each directory of `pathVar` (an empty entry means the current directory).
 *
 * This is where "which dockerd is real" is decided at start (install decides it for a tree in
 * plan-install.ts, on the same isShim): on PATH, a candidate that is dockerd-autonet itself
 * (the file `self` is, by a symlink or a hard link) is passed over, and one of our shims stands
 * for the dockerd it runs (shimTarget). With the wrapper installed as `dockerd` ahead of the
 * real one, running the first `dockerd` on PATH would start ourselves again, in a loop.
 *
 * @param pathVar the PATH to search; when unset, the usual system directories
 * @param self our own entry script (ownScript()); null: pass nothing over
 * @returns the path to run, or 127 (not found) / 126 (found but not an executable file) with a
 *   message naming the command and where we looked
 */
export function resolveCommand(cmd: string, pathVar: string | undefined, self: string | null = ownScript()): Resolved {
  if (cmd === '') return { code: EXIT_NOT_FOUND, message: 'cannot run an empty command name' }
  if (cmd.includes('/')) {
    const why = notExecutable(cmd)
    if (why === 'missing') return { code: EXIT_NOT_FOUND, message: `${cmd}: no such file` }
    if (why) return { code: EXIT_NOT_EXECUTABLE, message: `${cmd}: ${why}` }
    return { path: cmd }
  }
  const dirs = (pathVar ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(delimiter)
  let nonExecutable: string | null = null
  const ours: string[] = []
  const selfId = fileId(self)
  for (const dir of dirs) {
    const candidate = join(dir || '.', cmd)
    const why = notExecutable(candidate)
    if (why) {
      if (why !== 'missing') nonExecutable ??= candidate
      continue
    }
    const real = ownedBy(candidate, selfId)
    if (real === candidate) return { path: candidate }
    if (real !== null) return { path: real }
    ours.push(candidate)
  }
  const passed = ours.length ? `; passed over dockerd-autonet's own ${ours.join(', ')}` : ''
  if (nonExecutable) return { code: EXIT_NOT_EXECUTABLE, message: `${cmd}: ${nonExecutable} is not executable${passed}` }
  return { code: EXIT_NOT_FOUND, message: `${cmd}: command not found (PATH=${pathVar ?? ''})${passed}` }
}

/** Device and inode of `path` (symlinks followed), or null. */
function fileId(path: string | null): string | null {
  if (path === null) return null
  try {
    const st = statSync(path)
    return `${st.dev}:${st.ino}`
  } catch {
    return null
  }
}

/**
 * What running the executable `candidate` comes to: itself when it is none of ours; the real
 * dockerd one of our shims runs, when that is executable and not ours again; null when it is
 * dockerd-autonet itself (`selfId`) or a shim with nothing runnable behind it.
 */
function ownedBy(candidate: string, selfId: string | null): string | null {
  if (selfId !== null && fileId(candidate) === selfId) return null
  const text = head(candidate)
  if (text === null || !isShim(text)) return candidate
  const target = shimTarget(text, (p) => notExecutable(p) === null)
  if (target === null || notExecutable(target) !== null || fileId(target) === selfId || fileId(target) === fileId(candidate)) return null
  const behind = head(target)
  return behind !== null && isShim(behind) ? null : target
}

/** The start of the file at `path` as text (at most SHIM_HEAD_BYTES), or null when it cannot be read. */
function head(path: string): string | null {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch {
    return null
  }
  try {
    const buf = Buffer.alloc(SHIM_HEAD_BYTES)
    const n = readSync(fd, buf, 0, buf.length, 0)
    return buf.subarray(0, n).toString('latin1')
  } catch {
    return null
  } finally {
    closeSync(fd)
  }
}

/** Null when `path` is an executable file, else 'missing' or why not. */
function notExecutable(path: string): string | null {
  let isFile: boolean
  try {
    isFile = statSync(path).isFile()
  } catch {
    return 'missing'
  }
  if (!isFile) return 'not a regular file'
  try {
    accessSync(path, fsConstants.X_OK)
    return null
  } catch {
    return 'permission denied (not executable)'
  }
}
