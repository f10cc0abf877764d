/**
 * The bundle's V8 code cache file: `<bundle>.v8cache` beside the bundle, holding what
 * `vm.Script#createCachedData()` produced for the bundled program, behind a header line that
 * names the program's sha256. With it, starting the bundle skips compiling its ~0.5 MB program
 * (about 7.6 ms on Node 20; NODE_COMPILE_CACHE exists only from Node 22.1).
 *
 * The cache is an optimisation only: a missing, unreadable, stale, corrupt or oversized file
 * means compiling from source, and a directory we cannot write to means no cache. Nothing here
 * throws on the start path (fail open).
 *
 * Facts: V8 rejects cached data made by another V8 version or with other flags, and checks the
 * source only by its length (v8 src/snapshot/code-serializer.cc, SerializedCodeData::SanityCheck);
 * the header's sha256 guards against a cache of another build of the same length. Node reports
 * a rejection as `script.cachedDataRejected` (node docs, vm.Script). V8 verifies the payload's
 * checksum only with --verify-snapshot-checksum (on in debug builds): a truncated file is
 * rejected, but a damaged byte inside one can stop V8 with a fatal error (tried here: one byte
 * flipped at two of twelve offsets). So the file is written once, whole and synced before it
 * is renamed into place, like the bundle beside it; deleting it is always safe.
 */
import { closeSync, constants, fstatSync, fsyncSync, linkSync, openSync, readSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { Script } from 'node:vm'

/** Largest cache file read, in bytes: the program's cache is a few MB; anything bigger is not ours. */
export const MAX_CACHE_BYTES = 32 * 1024 * 1024

/**
 * The names the program's source is wrapped with: it is CommonJS (module, exports, require),
 * and `import.meta` in it was replaced at build time by `__bundleMeta`, the entry's own.
 */
export const PROGRAM_PARAMS = ['module', 'exports', 'require', '__bundleMeta'] as const

/** The program as compiled: the function to call with PROGRAM_PARAMS, and what became of the cache. */
export interface CachedProgram {
  fn: (...args: unknown[]) => unknown
  script: Script
  /** accepted: V8 used the file; missing: none (or unreadable); rejected: stale, foreign, corrupt or oversized. */
  cache: 'accepted' | 'missing' | 'rejected'
}

/** Where the cache of the bundle at `bundlePath` lives: beside it, `<bundle>.v8cache`. */
export function codeCachePath(bundlePath: string): string {
  return `${bundlePath}.v8cache`
}

/** The header line before the cached data: the magic word and the program's sha256 (hex). */
export function cacheHeader(sourceId: string): string {
  return `dockerd-autonet-v8-code-cache ${sourceId}\n`
}

/**
 * Compile `source` (the program, CommonJS) wrapped in a function of PROGRAM_PARAMS, with the
 * cached data from `cachePath` when its header names `sourceId`.
 * @param source the program's text
 * @param filename the name stack traces give it (the bundle's path)
 * @param cachePath the cache file (codeCachePath)
 * @param sourceId the program's sha256 in hex, computed at build time
 * @throws only what compiling the program throws (a build bug), never for the cache file
 */
export function loadCachedProgram(source: string, filename: string, cachePath: string, sourceId: string): CachedProgram {
  const cached = readCache(cachePath, sourceId)
  const wrapped = `(function (${PROGRAM_PARAMS.join(', ')}) {${source}\n})`
  const script = new Script(wrapped, { filename, cachedData: cached ?? undefined })
  const fn = script.runInThisContext() as CachedProgram['fn']
  const cache = cached === undefined ? 'missing' : cached === null || script.cachedDataRejected ? 'rejected' : 'accepted'
  return { fn, script, cache }
}

/**
 * Write the program's code cache after it ran (so the functions it compiled lazily are in it),
 * when the cache was missing or rejected. Atomic: a temp file beside it, then in place; for a
 * missing cache the first writer wins (link, not rename), a rejected one is replaced.
 * @returns whether a cache file was written; false on any failure (read-only file system,
 *   EACCES, full disk), which is never reported: the cache is optional
 */
export function saveCodeCache(program: CachedProgram, cachePath: string, sourceId: string): boolean {
  if (program.cache === 'accepted') return false
  const tmp = `${cachePath}.${process.pid}.tmp`
  let fd: number | undefined
  try {
    // The temp file first: where it cannot be made, the cached data (1-2 ms) is never produced.
    fd = openSync(tmp, 'wx', 0o644)
  } catch {
    return false
  }
  try {
    writeFileSync(fd, Buffer.concat([Buffer.from(cacheHeader(sourceId)), program.script.createCachedData()]))
    // On disk before it takes the name: V8 checks the data's length and version, not its
    // bytes (no checksum in release builds), and a damaged payload can stop V8 at every start.
    fsyncSync(fd)
    closeSync(fd)
    fd = undefined
    if (program.cache === 'missing') linkSync(tmp, cachePath)
    else renameSync(tmp, cachePath)
    return true
  } catch {
    return false
  } finally {
    try {
      if (fd !== undefined) closeSync(fd)
      rmSync(tmp, { force: true })
    } catch { /* the cache is optional */ }
  }
}

/**
 * The cached data in `cachePath` after a header naming `sourceId`: undefined when there is no
 * readable file, null when there is one but it is not ours (other header, oversized, not a
 * regular file).
 */
function readCache(cachePath: string, sourceId: string): Buffer | null | undefined {
  let fd: number
  try {
    // O_NONBLOCK: a FIFO in its place must not hold the start until someone writes to it.
    fd = openSync(cachePath, constants.O_RDONLY | constants.O_NONBLOCK)
  } catch {
    return undefined
  }
  try {
    const st = fstatSync(fd)
    const size = st.size
    const header = Buffer.from(cacheHeader(sourceId))
    if (!st.isFile() || size > MAX_CACHE_BYTES || size <= header.length) return null
    const buf = Buffer.allocUnsafe(size)
    let got = 0
    while (got < size) {
      const n = readSync(fd, buf, got, size - got, got)
      if (n === 0) break
      got += n
    }
    if (got !== size || !buf.subarray(0, header.length).equals(header)) return null
    return buf.subarray(header.length)
  } catch {
    return undefined
  } finally {
    try { closeSync(fd) } catch { /* nothing was read */ }
  }
}
