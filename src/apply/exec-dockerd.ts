/**
 * Handing over to dockerd: the last step of every run, so it must behave like a shell's `exec`.
 *
 * With `process.execve` (Node >= 22.15) the wrapper's process becomes dockerd: same PID, nothing
 * of ours stays resident, signals go straight to dockerd. On older Node we spawn dockerd with
 * our stdio, forward the signals a container runtime or a terminal sends, and exit with its
 * status the way a shell reports it (128 + signal number when it was killed).
 *
 * Spawning uses node:child_process rather than execa: execa does not forward signals (we would
 * write the same handlers), its defaults must be turned off for a daemon (`forceKillAfterDelay`
 * would SIGKILL dockerd 5 s after our SIGTERM, `cleanup` adds signal-exit handlers), and
 * importing it costs ~85 ms on this hot path, more than Node's own start-up.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { accessSync, constants as fsConstants, statSync } from 'node:fs'
import { constants as osConstants } from 'node:os'
import { delimiter, join } from 'node:path'
import type { Logger } from '../log.js'

/** Signals a supervisor sends that dockerd acts on (SIGHUP: reload config, SIGUSR1: dump stacks). */
export const FORWARDED_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const

/** Exit codes of a shell: 127 command not found, 126 found but not executable. */
export const EXIT_NOT_FOUND = 127
export const EXIT_NOT_EXECUTABLE = 126

/** `process.execve`'s shape: `args` includes argv[0]; returns only by throwing. */
export type Execve = (file: string, args: string[], env: Record<string, string>) => void

export interface ExecOptions {
  /** Environment of dockerd; its PATH is searched for `cmd`. */
  env: Record<string, string | undefined>
  log: Logger
  /** Override for tests: a fake execve, or null to force the spawn path. Default: `process.execve` if present. */
  execve?: Execve | null
}

/**
 * Run `cmd` with `args` in place of this process.
 *
 * @param cmd  program name (looked up on `opts.env.PATH`) or path; it is also the child's argv[0]
 * @param args arguments without argv[0], passed unchanged
 * @returns never resolves after a successful execve; otherwise the code this process should exit
 *   with: the child's exit code, 128 + signal number if a signal killed it, 127 if `cmd` is not
 *   found, 126 if it is not executable. Never rejects: failures are logged, naming the command.
 */
export async function execDockerd(cmd: string, args: string[], opts: ExecOptions): Promise<number> {
  const { log } = opts
  const env = definedEnv(opts.env)
  const found = resolveCommand(cmd, env.PATH)
  if ('code' in found) {
    log.error(found.message)
    return found.code
  }
  const execve = opts.execve === undefined ? nativeExecve() : opts.execve
  if (execve) {
    log.debug(`exec ${found.path} (replacing process ${process.pid})`)
    // Node ignores SIGPIPE, and an ignored signal stays ignored across execve (a shell
    // entrypoint would then see EPIPE where it expects to die). A handled signal is reset to
    // its default by execve, so listening to it is how we hand dockerd the default back.
    process.on('SIGPIPE', () => {})
    try {
      execve(found.path, [cmd, ...args], env)
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      log.error(`cannot exec ${cmd} (${found.path}): ${(err as Error).message}`)
      return code === 'ENOENT' ? EXIT_NOT_FOUND : EXIT_NOT_EXECUTABLE
    }
  }
  const systemd = ['NOTIFY_SOCKET', 'LISTEN_FDS'].filter((k) => env[k] !== undefined)
  if (systemd.length > 0) {
    // systemd accepts READY=1 only from the PID it started (unless NotifyAccess=all) and hands
    // socket-activated fds (-H fd://) only to LISTEN_PID: as our child, dockerd gets neither.
    log.warn(`started by systemd (${systemd.join(', ')}) on Node ${process.version}, which has no process.execve: ` +
      `${cmd} runs as a child of this process, so Type=notify and -H fd:// socket activation will not reach it; use Node >= 22.15`)
  }
  return spawnAndWait(cmd, found.path, args, env, log)
}

function nativeExecve(): Execve | null {
  const p = process as unknown as { execve?: Execve }
  return typeof p.execve === 'function' ? p.execve.bind(process) : null
}

function spawnAndWait(cmd: string, path: string, args: string[], env: Record<string, string>, log: Logger): Promise<number> {
  return new Promise((resolve) => {
    const child: ChildProcess = spawn(path, args, { stdio: 'inherit', env, argv0: cmd })
    // Installed in the same tick as spawn, so no signal can reach us before they are in place.
    // In a terminal, Ctrl-C reaches dockerd twice (from the tty and from us); dockerd only forces
    // a shutdown on the third, so a second SIGINT is harmless.
    const forward = (signal: NodeJS.Signals) => {
      log.debug(`forwarding ${signal} to ${cmd} (pid ${child.pid})`)
      child.kill(signal)
    }
    for (const s of FORWARDED_SIGNALS) process.on(s, forward)
    const done = (code: number) => {
      for (const s of FORWARDED_SIGNALS) process.off(s, forward)
      resolve(code)
    }
    child.once('error', (err: NodeJS.ErrnoException) => {
      log.error(`cannot start ${cmd} (${path}): ${err.message}`)
      done(err.code === 'ENOENT' ? EXIT_NOT_FOUND : EXIT_NOT_EXECUTABLE)
    })
    child.once('exit', (code, signal) => {
      if (signal) {
        log.debug(`${cmd} was killed by ${signal}`)
        done(128 + (osConstants.signals[signal] ?? 0))
      } else {
        done(code ?? 0)
      }
    })
    log.debug(`started ${path} as pid ${child.pid}; forwarding ${FORWARDED_SIGNALS.join(' ')}`)
  })
}

/** A program found on PATH, or the shell's exit code and message when it is not. */
export type Resolved = { path: string } | { code: number, message: string }

/**
 * Find `cmd` the way a shell does: a name with a `/` is used as is; a bare name is looked up in
 * each directory of `pathVar` (an empty entry means the current directory).
 *
 * @param pathVar the PATH to search; when unset, the usual system directories
 * @returns the path to run, or 127 (not found) / 126 (found but not an executable file) with a
 *   message naming the command and where we looked
 */
export function resolveCommand(cmd: string, pathVar: string | undefined): Resolved {
  if (cmd === '') return { code: EXIT_NOT_FOUND, message: 'cannot run an empty command name' }
  if (cmd.includes('/')) {
    const why = notExecutable(cmd)
    if (why === 'missing') return { code: EXIT_NOT_FOUND, message: `${cmd}: no such file` }
    if (why) return { code: EXIT_NOT_EXECUTABLE, message: `${cmd}: ${why}` }
    return { path: cmd }
  }
  const dirs = (pathVar ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(delimiter)
  let nonExecutable: string | null = null
  for (const dir of dirs) {
    const candidate = join(dir || '.', cmd)
    const why = notExecutable(candidate)
    if (!why) return { path: candidate }
    if (why !== 'missing') nonExecutable ??= candidate
  }
  if (nonExecutable) return { code: EXIT_NOT_EXECUTABLE, message: `${cmd}: ${nonExecutable} is not executable` }
  return { code: EXIT_NOT_FOUND, message: `${cmd}: command not found (PATH=${pathVar ?? ''})` }
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

function definedEnv(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v
  return out
}
