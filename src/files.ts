/**
 * The file operations of the start path, as promises over node:fs's callback API. Not
 * node:fs/promises: loading it brings some ten more modules (file-handle streams, readline,
 * watchers), about 1 ms of every start (1.1 ms, median of five cold requires here), for what the callback API does
 * through the same libuv calls.
 */
import { access, close, fstat, open, read, readFile, stat } from 'node:fs'
import { promisify } from 'node:util'

/** The text of the file at `path`, as UTF-8. @throws the fs error (ENOENT, EACCES…). */
export const readText = (path: string): Promise<string> => promisify(readFile)(path, 'utf8')

/** True when `path` exists (access F_OK, symlinks followed); never throws. */
export const exists = (path: string): Promise<boolean> => promisify(access)(path).then(() => true, () => false)

/** stat(2), fstat(2), open(2) with flags, close(2). @throws the fs error. */
export const statPath = promisify(stat)
export const statFd = promisify(fstat)
export const openFd = (path: string, flags: number): Promise<number> => promisify(open)(path, flags)
export const closeFd = promisify(close)

/** Reads up to `length` bytes at the file position into `buffer` from 0; resolves with the count (0 at the end). */
export function readFd(fd: number, buffer: Buffer, length: number): Promise<number> {
  return new Promise((resolve, reject) => read(fd, buffer, 0, length, null, (err, n) => (err ? reject(err) : resolve(n))))
}
