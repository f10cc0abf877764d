/**
 * How both launchers end the process (bin/dockerd-autonet.js and bundle-entry.ts): only once
 * what was written to stdout and stderr has left the process.
 *
 * On Linux, Node writes to a pipe asynchronously: what the pipe has not taken yet (64 KiB, the
 * kernel's pipe buffer, when the reader is slow) waits in the stream, and `process.exit()`
 * drops it. `plan --json`, `snapshot` or `--help` piped into `jq`, `less` or a file over ssh
 * came out cut. Letting the event loop run dry instead would flush, but a handle left open by
 * a reader (a timer, a child) would then keep the process alive: so we wait for the writes,
 * then exit explicitly.
 */

/** The part of a stdio stream this needs (process.stdout, process.stderr). */
export interface Flushable {
  write(chunk: string, cb: (err?: Error | null) => void): boolean
  once(event: 'error', listener: (err: Error) => void): unknown
}

/**
 * Resolve once every write made to `stream` so far has completed or failed: an empty write's
 * callback runs after the writes queued before it (node:stream Writable keeps their order).
 * A stream whose reader went away (`… | head`: EPIPE) fails the write and resolves all the
 * same; its 'error' is taken here, so that it is no uncaught exception with a stack.
 */
export function flushed(stream: Flushable): Promise<void> {
  return new Promise((resolve) => {
    stream.once('error', () => resolve())
    try {
      stream.write('', () => resolve())
    } catch {
      // A stream already destroyed throws on write: nothing is left to flush.
      resolve()
    }
  })
}

/**
 * Exit with `code` once stdout and stderr are flushed (see the module comment).
 * @param code the exit code (set as process.exitCode at once, so that an exit from elsewhere
 *   while waiting still reports it)
 * @param streams what to flush (default stdout and stderr)
 * @param exit replaced by tests; default process.exit
 * @returns never resolves: the process ends
 */
export async function exitWhenFlushed(code: number,
  streams: readonly Flushable[] = [process.stdout, process.stderr],
  exit: (code: number) => never = (c) => process.exit(c)): Promise<never> {
  process.exitCode = code
  await Promise.all(streams.map(flushed))
  return exit(code)
}
