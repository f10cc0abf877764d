/**
 * Child-process helpers for the e2e harness. Every call is bounded by a timeout: a hung `ip` or
 * `docker` must fail the test, not stall it until tap's global timeout.
 */
import { execa } from 'execa'

/** Outcome of a finished command; never thrown for a non-zero exit. */
export interface ExecResult {
  stdout: string
  stderr: string
  /** Exit status; -1 when the command was killed by a signal or could not be started. */
  exitCode: number
  timedOut: boolean
}

export interface RunOptions {
  input?: string | Uint8Array
  /** Default 30 s. */
  timeoutMs?: number
  env?: Record<string, string | undefined>
  /** When false, `env` replaces the inherited environment instead of extending it. */
  extendEnv?: boolean
  /** Working directory; default the caller's. */
  cwd?: string
}

/** Runs argv[0] with argv[1..] and resolves with its output, whatever its exit status. */
export async function run(argv: string[], opts: RunOptions = {}): Promise<ExecResult> {
  const [file, ...args] = argv
  if (!file) throw new Error('run: empty argv')
  const r = await execa(file, args, {
    reject: false,
    timeout: opts.timeoutMs ?? 30_000,
    // SIGKILL so a command stuck in uninterruptible-ish waits (e.g. docker client on a dead
    // socket that half-answers) cannot outlive its bound.
    killSignal: 'SIGKILL',
    input: opts.input,
    env: opts.env,
    extendEnv: opts.extendEnv ?? true,
    cwd: opts.cwd,
    stdin: opts.input === undefined ? 'ignore' : 'pipe',
  })
  return {
    stdout: String(r.stdout ?? ''),
    stderr: String(r.stderr ?? ''),
    exitCode: typeof r.exitCode === 'number' ? r.exitCode : -1,
    timedOut: r.timedOut,
  }
}

/** Like {@link run} but throws, with the command's stderr in the message, unless it exits 0. */
export async function runOk(argv: string[], opts: RunOptions = {}): Promise<string> {
  const r = await run(argv, opts)
  if (r.exitCode !== 0) {
    const why = r.timedOut ? `timed out after ${opts.timeoutMs ?? 30_000} ms` : `exit ${r.exitCode}`
    throw new Error(`command failed (${why}): ${argv.join(' ')}\n${r.stderr || r.stdout}`.trimEnd())
  }
  return r.stdout
}

/** Quotes a string for POSIX sh. */
export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * Resolves true if `p` settles within `ms`, false otherwise. Clears its timer either way, so a
 * long bound does not keep the process alive after the thing it bounds has finished.
 */
export async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), ms) })
  try {
    return await Promise.race([p.then(() => true, () => true), expired])
  } finally {
    clearTimeout(timer)
  }
}
