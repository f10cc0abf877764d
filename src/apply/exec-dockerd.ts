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
import { constants as osConstants } from 'node:os'
import { execRoom } from '../cli/exec-limits.js'
import { definedEnv } from '../cli/handover.js'
import { rawRestore, type RawArg } from '../cli/raw-argv.js'
import type { Logger } from '../log.js'
import { EXIT_NOT_EXECUTABLE, EXIT_NOT_FOUND, ownScript, resolveCommand } from './resolve-command.js'

/** Signals a supervisor sends that dockerd acts on (SIGHUP: reload config, SIGUSR1: dump stacks). */
export const FORWARDED_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const

export { EXIT_NOT_EXECUTABLE, EXIT_NOT_FOUND, resolveCommand, type Resolved } from './resolve-command.js'

/** `process.execve`'s shape: `args` includes argv[0]; returns only by throwing. */
export type Execve = (file: string, args: string[], env: Record<string, string>) => void

export interface ExecOptions {
  /** Environment of dockerd; its PATH is searched for `cmd`. */
  env: Record<string, string | undefined>
  log: Logger
  /** Override for tests: a fake execve, or null to force the spawn path. Default: `process.execve` if present. */
  execve?: Execve | null
  /** Our own entry script, passed over on PATH (resolveCommand). Default: `process.argv[1]`. */
  self?: string | null
  /** Arguments of the user's that are not UTF-8 (raw-argv.ts): where one of `args` is such a one's string, it gets its bytes back. */
  raw?: readonly RawArg[]
  /** The shell that puts the bytes back (`SHELL -c SCRIPT`); default /bin/sh. */
  shell?: string
  /** Room for one exec's strings in bytes (exec-limits.ts); default execRoom(), from this process's stack limit. */
  room?: number
  /** Override for tests: child_process.spawn's shape. Default: node:child_process spawn. */
  spawn?: typeof spawn
}

/**
 * Run `cmd` with `args` in place of this process.
 *
 * @param cmd  program name (looked up on `opts.env.PATH`) or path; it is also the child's argv[0]
 * @param args arguments without argv[0], passed unchanged, except that one of `opts.raw` gets its
 *   bytes back: then `/bin/sh -c` execs `cmd` (same PID) with them (raw-argv.ts rawShellArgs), and
 *   dockerd's argv[0] is the path found rather than `cmd` as given; when that exec would not fit
 *   the kernel's limits (exec-limits.ts) or there is no shell, one warning, and `cmd` gets Node's
 *   strings
 * @returns never resolves after a successful execve; otherwise the code this process should exit
 *   with: the child's exit code, 128 + signal number if a signal killed it, 127 if `cmd` is not
 *   found, 126 if it is not executable or the exec fails otherwise (E2BIG: past the kernel's
 *   limits, exec-limits.ts). Never rejects, never throws: failures are logged, naming the command
 *   and the errno.
 */
export async function execDockerd(cmd: string, args: string[], opts: ExecOptions): Promise<number> {
  const { log } = opts
  const env = definedEnv(opts.env)
  const found = resolveCommand(cmd, env.PATH, opts.self === undefined ? ownScript() : opts.self)
  if ('code' in found) {
    log.error(found.message)
    return found.code
  }
  // What runs: the program itself, or a shell that execs it with bytes Node cannot pass.
  let run = { file: found.path, argv0: cmd, args }
  if ((opts.raw ?? []).length > 0) {
    // A path without `/` (an empty PATH entry's) would make the shell search PATH again.
    const path = found.path.includes('/') ? found.path : `./${found.path}`
    const shell = opts.shell ?? '/bin/sh'
    const sh = resolveCommand(shell, env.PATH, null)
    const restore = rawRestore('code' in sh ? shell : sh.path, path, args, opts.raw ?? [], env, opts.room ?? execRoom())
    const lossy = `${cmd} gets them as Node decoded them (U+FFFD)`
    if (restore === null) {
      // None of them is among the arguments (ours took it out): the program itself.
    } else if ('code' in sh) {
      log.warn(`cannot put back the bytes of ${restore.count} argument(s) that are not UTF-8 (${sh.message}): ${lossy}`)
    } else if (restore.tooBig !== null) {
      log.warn(`cannot put back the bytes of ${restore.count} argument(s) that are not UTF-8 through ${sh.path}: ${restore.tooBig}; ${lossy}`)
    } else {
      log.debug(`exec ${path} through ${sh.path}, which puts back the bytes of ${restore.count} argument(s) that are not UTF-8`)
      run = { file: sh.path, argv0: 'sh', args: restore.shellArgs }
    }
  }
  const execve = opts.execve === undefined ? nativeExecve() : opts.execve
  if (execve) {
    log.debug(`exec ${run.file} (replacing process ${process.pid})`)
    // Node ignores SIGPIPE, and an ignored signal stays ignored across execve (a shell
    // entrypoint would then see EPIPE where it expects to die). A handled signal is reset to
    // its default by execve, so listening to it is how we hand dockerd the default back.
    process.on('SIGPIPE', () => {})
    try {
      execve(run.file, [run.argv0, ...run.args], env)
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
  return spawnAndWait(cmd, run, env, log, opts.spawn ?? spawn)
}

function nativeExecve(): Execve | null {
  const p = process as unknown as { execve?: Execve }
  return typeof p.execve === 'function' ? p.execve.bind(process) : null
}

function spawnAndWait(cmd: string, run: { file: string, argv0: string, args: string[] }, env: Record<string, string>, log: Logger, spawnFn: typeof spawn): Promise<number> {
  const path = run.file
  return new Promise((resolve) => {
    let child: ChildProcess
    try {
      child = spawnFn(path, run.args, { stdio: 'inherit', env, argv0: run.argv0 })
    } catch (err) {
      // Node throws, rather than emitting 'error', for the errnos it does not expect of a
      // spawn (E2BIG: an argument or the whole argv past the kernel's limits, exec-limits.ts).
      const e = err as NodeJS.ErrnoException
      log.error(`cannot start ${cmd} (${path}): ${e.code ?? 'error'}: ${e.message}`)
      resolve(e.code === 'ENOENT' ? EXIT_NOT_FOUND : EXIT_NOT_EXECUTABLE)
      return
    }
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
