/**
 * The one way the read side runs a program (`ip`, `conntrack`, `dockerd --version`): a `Runner`
 * that never throws, so each reader decides what a failure means for the fact it wanted.
 * Tests inject a fake runner that replays recorded output.
 */
import { type ChildProcess, type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'

/** What a finished command left behind. */
export interface RunResult {
  stdout: string
  stderr?: string
  /**
   * Exit status. Failures that have none are mapped the way a shell reports them, so readers
   * need only one field: 127 = could not start (not installed, not executable), 124 = timed out.
   */
  exitCode: number
  /** Set when the program printed more than the runner keeps: the limit in bytes (exitCode is then EXIT_OUTPUT_TOO_LARGE). */
  outputLimitBytes?: number
  /** Set when the runner killed it for running too long: the limit in ms (exitCode is then EXIT_TIMED_OUT). */
  timedOutAfterMs?: number
}

/** What a caller may ask of one command besides its argv. */
export interface RunOptions {
  /** Written to the program's stdin, which is then closed (`ip -batch -`). */
  input?: string
  /** Kill it after this many ms, when shorter than the runner's own limit (`dockerd --version`: 2 s). */
  timeoutMs?: number
  /** The program's environment; default this process's. */
  env?: NodeJS.ProcessEnv
}

/** Runs `cmd args…` without a shell and resolves with its output; must not reject. */
export type Runner = (cmd: string, args: string[], opts?: RunOptions) => Promise<RunResult>

/** Exit code used when the program could not be started (as sh does for "command not found"). */
export const EXIT_NOT_STARTED = 127
/** Exit code used when the program was killed for running too long (as timeout(1) does). */
export const EXIT_TIMED_OUT = 124
/** Exit code used when the program was killed for printing more than the runner keeps. */
export const EXIT_OUTPUT_TOO_LARGE = 125
/** Most a program's stdout (and, separately, stderr) may print, in bytes; 64 MiB is 10× `ip -j -d addr show` with 100,000 links. */
export const MAX_OUTPUT_BYTES = 64 * 1024 * 1024

/**
 * A Runner with `child_process.execFile`'s contract (no shell, output kept up to
 * `maxOutputBytes`, SIGKILL after `timeoutMs` milliseconds), because the wrapper sits in front of
 * dockerd: a hung `conntrack` must delay dockerd's start by seconds, not forever.
 *
 * Each command runs in a process group of its own (spawn `detached`, i.e. setsid), and a
 * timeout, the output limit or the scope's close SIGKILLs the whole group (`kill(-pid)`), not
 * only the program: a `dockerd` that is a shell wrapper (`dockerd --version` runs it) leaves
 * no `sleep` or other grandchild running beside dockerd. execFile kills only its child and
 * cannot start one detached (it does not pass the option on to spawn), hence spawn here.
 *
 * Why not execa (the project's choice for child processes elsewhere): this runner is on the
 * start-up path of every dockerd launch, and loading execa there cost more than all the reads
 * together (about 90 ms of a 250 ms start with the tsc build, measured with --cpu-prof and
 * hyperfine; BENCHMARKS.md). spawn gives the same guarantees this contract needs.
 */
export function execFileRunner(timeoutMs = 10_000, maxOutputBytes = MAX_OUTPUT_BYTES, scope?: CommandScope): Runner {
  return (cmd, args, opts = {}) => new Promise((resolve) => {
    if (scope?.closed) return resolve({ stdout: '', stderr: `${scope.closed}: not started`, exitCode: EXIT_TIMED_OUT })
    const limit = Math.min(timeoutMs, opts.timeoutMs ?? timeoutMs)
    let child: ChildProcessWithoutNullStreams
    try {
      child = spawn(cmd, args, { detached: true, stdio: 'pipe', env: opts.env })
    } catch (e) {
      // Node 20 throws some exec failures (E2BIG) instead of emitting 'error': not started either.
      return resolve({ stdout: '', stderr: `${cmd}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, exitCode: EXIT_NOT_STARTED })
    }
    const chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[] }
    const size = { stdout: 0, stderr: 0 }
    let stopped: { why: 'timeout' } | { why: 'too-large', stream: 'stdout' | 'stderr' } | null = null
    const stop = (why: NonNullable<typeof stopped>) => {
      if (stopped) return
      stopped = why
      killGroup(child)
      // A grandchild that left the group could still hold the pipes: stop waiting for them.
      child.stdout.destroy()
      child.stderr.destroy()
    }
    for (const stream of ['stdout', 'stderr'] as const) {
      child[stream].on('data', (chunk: Buffer) => {
        size[stream] += chunk.length
        if (size[stream] > maxOutputBytes) stop({ why: 'too-large', stream })
        else chunks[stream].push(chunk)
      })
    }
    const timer = setTimeout(() => stop({ why: 'timeout' }), limit)
    let settled = false
    const finish = (r: RunResult) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolve(r)
    }
    child.once('error', (e: NodeJS.ErrnoException) => {
      // Spawn failures (ENOENT, EACCES) carry a string code and no exit status.
      if (child.pid === undefined) finish({ stdout: '', stderr: `${cmd}: ${e.code ?? e.message}`, exitCode: EXIT_NOT_STARTED })
    })
    child.once('close', (code, signal) => {
      const stdout = Buffer.concat(chunks.stdout).toString('utf8')
      const stderr = Buffer.concat(chunks.stderr).toString('utf8')
      const why: NonNullable<typeof stopped> | null = stopped
      if (scope?.closed && code !== 0) return finish({ stdout: '', stderr: `${scope.closed}: killed`, exitCode: EXIT_TIMED_OUT })
      // A truncated JSON dump is no answer at all.
      if (why?.why === 'too-large') return finish({ stdout: '', stderr: `${why.stream} maxBuffer length exceeded`, exitCode: EXIT_OUTPUT_TOO_LARGE, outputLimitBytes: maxOutputBytes })
      if (why?.why === 'timeout') return finish({ stdout, stderr: `timed out after ${limit} ms`, exitCode: EXIT_TIMED_OUT, timedOutAfterMs: limit })
      if (code !== null) return finish({ stdout, stderr, exitCode: code })
      // Killed by a signal we did not send.
      finish({ stdout, stderr: stderr || `killed by ${signal ?? 'a signal'}`, exitCode: 128 + 9 })
    })
    // A program that exits without reading all of its input closes the pipe (EPIPE): its exit
    // status, above, is the answer.
    child.stdin.on('error', () => {})
    if (opts.input !== undefined) child.stdin.end(opts.input)
    if (child.pid !== undefined) scope?.track(child)
  })
}

/**
 * SIGKILL the process group `child` leads (it was spawned detached), so that what it started
 * goes with it; the child alone if the group is already gone.
 */
function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return
  try {
    process.kill(-child.pid, 'SIGKILL')
  } catch {
    child.kill('SIGKILL')
  }
}

/** The commands one withinDeadline's runner started, still running; `closed` says why no more may start. */
class CommandScope {
  closed: string | null = null
  private readonly live = new Map<ChildProcess, Promise<void>>()

  track(child: ChildProcess): void {
    // 'exit' comes once libuv has reaped the child; a spawn failure emits 'error' instead.
    this.live.set(child, new Promise((done) => {
      const gone = () => { this.live.delete(child); done() }
      child.once('exit', gone).once('error', gone)
    }))
  }

  /** SIGKILL every command still running and wait, at most `waitMs`, until each is reaped. */
  async close(why: string, waitMs: number): Promise<void> {
    this.closed = why
    if (this.live.size === 0) return
    for (const child of this.live.keys()) killGroup(child)
    let timer: NodeJS.Timeout | undefined
    await Promise.race([Promise.all(this.live.values()), new Promise((resolve) => { timer = setTimeout(resolve, waitMs) })])
    clearTimeout(timer)
  }
}

/** Most withinDeadline waits, after SIGKILL, for its commands to be reaped, in ms (a killed process is gone in well under one). */
const REAP_WAIT_MS = 1000

/**
 * `work(run)`, or a rejection naming `what` ("… took longer than 25 s") once `ms` milliseconds
 * have passed. `run` is the runner for everything `work` starts (an execFileRunner, 10 s per
 * command unless a caller asks for less): each of its commands still running when the deadline
 * passes, or when `work` settles, is SIGKILLed and reaped (waited for at most REAP_WAIT_MS)
 * before this settles, and one asked for later is not started (EXIT_TIMED_OUT). So nothing the
 * read phase started outlives it: under execve a survivor would run on beside dockerd, a child
 * of it. The runner is handed down, not found from the async context (AsyncLocalStorage): on
 * Node 20 that turns on promise hooks for the whole start (1.8 ms more for 500 awaits in a
 * micro-benchmark here).
 */
export async function withinDeadline<T>(work: (run: Runner) => Promise<T>, ms: number, what: string): Promise<T> {
  const scope = new CommandScope()
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<never>((_resolve, reject) => {
    // Not unref'd: with nothing else pending, dockerd must still start when it fires.
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms / 1000} s`)), ms)
  })
  try {
    return await Promise.race([work(execFileRunner(undefined, MAX_OUTPUT_BYTES, scope)), expired])
  } finally {
    clearTimeout(timer)
    await scope.close(`${what}: deadline passed`, REAP_WAIT_MS)
  }
}

/** The Runner used when a reader is not given one: execFile, 10 s per command. */
export const defaultRunner: Runner = execFileRunner()

/** Most the apply phase (every action's commands together) may hold dockerd back, in milliseconds. */
export const APPLY_DEADLINE_MS = 15_000

/**
 * A Runner that shares one deadline among all its commands: each gets at most `perCommandMs`
 * and never more than the time left until `deadline` (a Date.now() value, in ms); once it has
 * passed, a command is not started and answers EXIT_TIMED_OUT. Bounds a sequence of commands
 * (`conntrack -D` per stale entry) as a whole, where execFileRunner bounds each on its own.
 * `make` builds the per-command runner for a timeout (default execFileRunner).
 */
export function deadlineRunner(deadline: number, perCommandMs = 10_000, make: (timeoutMs: number) => Runner = (ms) => execFileRunner(ms)): Runner {
  return async (cmd, args, opts) => {
    const left = deadline - Date.now()
    if (left <= 0) return { stdout: '', stderr: 'deadline passed: not started', exitCode: EXIT_TIMED_OUT }
    return make(Math.min(perCommandMs, left))(cmd, args, opts)
  }
}

/**
 * One line saying why a command did not give us what we wanted, naming the command, e.g.
 * "`ip -j -4 route show table all` failed (exit 1: Option "-j" is unknown)". Only the first
 * line of stderr is kept: usage texts (busybox prints one) would drown the log.
 */
export function describeFailure(cmd: string, args: string[], r: RunResult): string {
  return `\`${[cmd, ...args].join(' ')}\` ${failureReason(r)}`
}

/**
 * describeFailure without the command: "could not be run (dockerd: ENOENT)", "timed out after
 * 2 s" (the runner's own limit, when it killed the command), "failed (exit 1: …)".
 */
export function failureReason(r: RunResult): string {
  const first = (r.stderr ?? '').split('\n').map((l) => l.trim()).find((l) => l !== '') ?? ''
  if (r.exitCode === EXIT_NOT_STARTED) return `could not be run (${first || 'not found'})`
  if (r.exitCode === EXIT_TIMED_OUT) return r.timedOutAfterMs === undefined ? 'timed out' : `timed out after ${r.timedOutAfterMs / 1000} s`
  if (r.exitCode === EXIT_OUTPUT_TOO_LARGE && r.outputLimitBytes !== undefined) {
    return `printed more than ${r.outputLimitBytes} bytes (${first || 'output too large'}); output too large, not read`
  }
  return `failed (exit ${r.exitCode}${first ? `: ${first}` : ''})`
}
