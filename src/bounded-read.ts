/**
 * Reading a JSON input file (daemon.json, a `plan --state` snapshot) with a bound on its size and
 * without blocking on what is not a file. dockerd reads daemon.json whole with os.ReadFile, with
 * no cap; the wrapper runs before it, often in a sidecar with a few hundred MiB of memory, so a
 * 2 GiB file, or a symlink to /dev/zero, must not take that memory (or hang on a FIFO) before
 * dockerd has even started. Past the cap we read nothing and say so; the caller fails open.
 */
import { constants } from 'node:fs'
import { closeFd, openFd, readFd, statFd, statPath } from './files.js'

/**
 * The most daemon.json may hold, in bytes: 16 MiB. A real one is a few hundred bytes; it is read
 * on the start path, in front of dockerd, where memory may be a sidecar's few hundred MiB.
 * Reading up to it costs at most this much memory (and as much again for its text).
 */
export const MAX_JSON_FILE_BYTES = 16 * 1024 * 1024

/**
 * The most a `plan --state` snapshot may hold, in bytes: 128 MiB. A snapshot of a machine with
 * 100,000 links, routes and rules (the largest row of `npm run bench`'s scale table) is 25 MB,
 * so this is five times that; replaying runs on a workstation, not in front of dockerd.
 */
export const MAX_STATE_FILE_BYTES = 128 * 1024 * 1024

/** Why a file was not read: its kind is not a regular file, it holds more than the cap, or a stream did not end in time. One line, no file name (the caller names it). */
export class BoundedReadError extends Error {
  constructor(message: string, readonly reason: 'not-regular' | 'too-large' | 'timed-out') {
    super(message)
  }
}

/**
 * The bytes of the file at `path` (symlinks followed), at most `maxBytes`.
 *
 * @param o.streams accept a FIFO, socket or character device too (`plan --state /dev/stdin`,
 *   `<(…)`), read up to the cap within `o.streamDeadlineMs`; otherwise only a regular file is
 *   read. Nothing blocks (O_NONBLOCK: a FIFO without a writer would otherwise hold open(2), and
 *   with it the process, forever).
 * @throws BoundedReadError `reason` "not-regular" (message e.g. "a FIFO, not a regular file"; a
 *   directory always) or "too-large" ("2147483648 bytes, more than the 16777216-byte (16 MiB)
 *   cap", or "more than the … cap" for a stream, whose size is unknown) or "timed-out" (a stream
 *   that did not end within `streamDeadlineMs`, default STREAM_DEADLINE_MS);
 *   the fs error (ENOENT, EACCES…) as it comes otherwise.
 */
export async function readBounded(path: string, o: { maxBytes?: number, streams?: boolean, streamDeadlineMs?: number } = {}): Promise<Buffer> {
  const max = o.maxBytes ?? MAX_JSON_FILE_BYTES
  // Checked before opening: opening some devices has effects of its own (a tape rewinds).
  const kind = fileKind(await statPath(path))
  if (kind !== null && (!o.streams || kind === 'a directory' || kind === 'a block device')) {
    throw new BoundedReadError(`${kind}, not a regular file`, 'not-regular')
  }
  // Never a call that blocks: O_NONBLOCK lets open(2) of a FIFO with no writer return at once,
  // and reads that would wait say EAGAIN instead. A blocked call could not be taken back, and
  // it would hold the process even past its exit (libuv joins its threads at exit).
  const fd = await openFd(path, constants.O_RDONLY | constants.O_NONBLOCK)
  try {
    const st = await statFd(fd)
    // Again on what was opened: the path may have been swapped in between.
    const opened = fileKind(st)
    if (opened !== null && !o.streams) throw new BoundedReadError(`${opened}, not a regular file`, 'not-regular')
    if (opened === null && st.size > max) throw new BoundedReadError(`${st.size} bytes, more than the ${capText(max)} cap`, 'too-large')
    // A stream may never deliver its end, so the whole read of one has a deadline.
    const ms = o.streamDeadlineMs ?? STREAM_DEADLINE_MS
    const deadline = Date.now() + ms
    const waitOrGiveUp = async () => {
      if (Date.now() >= deadline) throw new BoundedReadError(`no end of data within ${ms / 1000} s (a FIFO with no writer?)`, 'timed-out')
      await new Promise((resolve) => setTimeout(resolve, STREAM_POLL_MS))
    }
    // Read to the end, never past one byte over the cap: a file that grew since stat, a stream or
    // a procfs file (size 0) is bounded by what it yields, not by what it claims.
    const chunks: Buffer[] = []
    let total = 0
    for (;;) {
      const chunk = Buffer.alloc(Math.min(READ_CHUNK, max + 1 - total))
      let bytesRead: number
      try {
        bytesRead = await readFd(fd, chunk, chunk.length)
      } catch (err) {
        // A writer is there but has written nothing yet.
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN' && o.streams) { await waitOrGiveUp(); continue }
        throw err
      }
      // A FIFO reads as ended while no writer has opened it yet: wait for one, until the deadline.
      if (bytesRead === 0 && total === 0 && st.isFIFO()) { await waitOrGiveUp(); continue }
      if (bytesRead === 0) break
      chunks.push(chunk.subarray(0, bytesRead))
      total += bytesRead
      if (total > max) throw new BoundedReadError(`more than the ${capText(max)} cap`, 'too-large')
    }
    return Buffer.concat(chunks, total)
  } finally {
    await closeFd(fd)
  }
}

/** How long a stream (`plan --state /dev/stdin`, a FIFO, `<(…)`) may take to deliver its end: 60 s. */
export const STREAM_DEADLINE_MS = 60_000

/** How often a stream that has nothing yet is asked again, in ms: short against a person, long against a CPU. */
const STREAM_POLL_MS = 20

/** Bytes asked of the kernel per read: few calls for a real config, little memory held beyond the data. */
const READ_CHUNK = 1024 * 1024

function capText(max: number): string {
  return max % (1024 * 1024) === 0 ? `${max}-byte (${max / (1024 * 1024)} MiB)` : `${max}-byte`
}

/** What a non-regular file is, as a message says it; null for a regular file. */
function fileKind(st: { isFile(): boolean, isDirectory(): boolean, isFIFO(): boolean, isSocket(): boolean, isCharacterDevice(): boolean, isBlockDevice(): boolean }): string | null {
  if (st.isFile()) return null
  if (st.isDirectory()) return 'a directory'
  if (st.isFIFO()) return 'a FIFO'
  if (st.isSocket()) return 'a socket'
  if (st.isCharacterDevice()) return 'a character device'
  if (st.isBlockDevice()) return 'a block device'
  return 'not a file'
}
