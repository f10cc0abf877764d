/**
 * The side-effecting half of install/uninstall: a TreeView of a real directory tree, and
 * applying planned changes to it, all or nothing (a failure undoes what was done, newest
 * first, then rethrows).
 */
import {
  chmodSync, closeSync, copyFileSync, lstatSync, mkdirSync, openSync, readlinkSync, readSync, renameSync, rmdirSync,
  statSync, symlinkSync, unlinkSync, utimesSync, writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { type Change, type Entry, inverse, TEXT_LIMIT, type TreeView } from './changes.js'
import { SHIM_HEAD_BYTES } from './shim.js'


/** The tree under `root` (`/` for the machine itself), read by lstat as the planner asks. */
export function treeAt(root: string): TreeView & { at(path: string): string } {
  const at = (p: string) => root === '/' ? p : join(root, p)
  return {
    at,
    entry(path: string): Entry {
      let st
      try {
        st = lstatSync(at(path))
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return { type: 'missing' }
        throw err
      }
      if (st.isSymbolicLink()) return { type: 'symlink', target: readlinkSync(at(path)) }
      if (st.isDirectory()) return { type: 'dir', mode: st.mode & 0o7777 }
      if (!st.isFile()) return { type: 'other' }
      const buf = Buffer.alloc(Math.min(st.size, Math.max(SHIM_HEAD_BYTES, TEXT_LIMIT)))
      const fd = openSync(at(path), 'r')
      try {
        readSync(fd, buf, 0, buf.length, 0)
      } finally {
        closeSync(fd)
      }
      return {
        type: 'file', mode: st.mode & 0o7777, size: st.size,
        head: buf.subarray(0, SHIM_HEAD_BYTES).toString('utf8'), text: st.size <= TEXT_LIMIT ? buf.toString('utf8') : null,
      }
    },
  }
}

/** A change failed (and what was done before it was undone); names the change and the path. */
export class ApplyError extends Error {}

/**
 * Apply `changes` in order under `root`; on a failure, undo the ones done, newest first.
 *
 * @returns the changes made (all of them)
 * @throws ApplyError naming the change that failed, the system error, and whether the undo worked
 */
export function applyChanges(root: string, changes: readonly Change[]): Change[] {
  const done: Change[] = []
  for (const c of changes) {
    try {
      applyOne(root, c)
      done.push(c)
    } catch (err) {
      const undo = rollBack(root, done)
      throw new ApplyError(`${c.reason}: failed: ${(err as Error).message}; ${undo}`)
    }
  }
  return done
}

function rollBack(root: string, done: Change[]): string {
  const failed: string[] = []
  for (const c of [...done].reverse()) {
    try {
      applyOne(root, inverse(c))
    } catch (err) {
      failed.push(`${inverse(c).reason}: ${(err as Error).message}`)
    }
  }
  if (!done.length) return 'nothing had been changed'
  return failed.length ? `undoing the ${done.length} change(s) before it failed too: ${failed.join('; ')}` : `the ${done.length} change(s) before it were undone`
}

function applyOne(root: string, c: Change): void {
  const at = (p: string) => root === '/' ? p : join(root, p)
  switch (c.op) {
    case 'mkdir':
      mkdirSync(at(c.path))
      chmodSync(at(c.path), 0o755)
      return
    case 'rmdir': return rmdirSync(at(c.path))
    case 'move': return move(at(c.from), at(c.to))
    case 'write':
      if (c.previous === null) {
        // 'wx': the planner saw the path free; if something appeared since, do not clobber it.
        writeFileSync(at(c.path), c.text, { flag: 'wx', mode: c.mode })
      } else {
        writeFileSync(at(c.path), c.text)
      }
      chmodSync(at(c.path), c.mode) // exact bits, whatever the umask
      return
    case 'symlink': return symlinkSync(c.target, at(c.path))
    case 'unlink': return unlinkSync(at(c.path))
  }
}

/** rename(2); across file systems (EXDEV) a copy that keeps mode and times, then the unlink. */
function move(from: string, to: string): void {
  try {
    lstatSync(to)
    throw new Error(`${to} exists`)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  try {
    renameSync(from, to)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err
    const st = statSync(from)
    copyFileSync(from, to)
    chmodSync(to, st.mode & 0o7777)
    utimesSync(to, st.atime, st.mtime)
    unlinkSync(from)
  }
}
