/**
 * The file operations install and uninstall are made of, and the view of a file tree they
 * are planned against. Pure: planning reads a `TreeView`, applying is src/install/apply.ts.
 */
import { digest } from '../digest.js'

/** One path in the tree as lstat sees it (symlinks are not followed). */
export type Entry =
  | { type: 'missing' }
  | { type: 'dir', mode: number }
  | { type: 'symlink', target: string }
  /** `text`: the whole content when the file is small (≤ TEXT_LIMIT bytes), else null; `head`: its first bytes. */
  | { type: 'file', mode: number, size: number, head: string, text: string | null }
  | { type: 'other' }

/** Files up to this size are read whole (shims, the manifest); a dockerd binary is not. */
export const TEXT_LIMIT = 64 * 1024

/** The tree as install sees it, by image path (`/usr/bin/dockerd`), whatever `--root` it lives under. */
export interface TreeView {
  entry(path: string): Entry
}

/** What a file held before a change, so that the change can be undone byte for byte. */
export type Previous = { text: string, mode: number } | { target: string }

/** One file operation, with the one-line reason printed for it. Paths are image paths. */
export type Change = { reason: string } & (
  | { op: 'mkdir', path: string }
  | { op: 'rmdir', path: string }
  | { op: 'move', from: string, to: string }
  /** `previous`: the file this write replaces (null: the path was free). `mode`: permission bits, set exactly. */
  | { op: 'write', path: string, text: string, mode: number, previous: Previous | null }
  | { op: 'symlink', path: string, target: string }
  | { op: 'unlink', path: string, was: Previous }
)

/** The change that undoes `c` (used to roll back a failed run, in reverse order). */
export function inverse(c: Change): Change {
  const reason = `undo: ${c.reason}`
  switch (c.op) {
    case 'mkdir': return { op: 'rmdir', path: c.path, reason }
    case 'rmdir': return { op: 'mkdir', path: c.path, reason }
    case 'move': return { op: 'move', from: c.to, to: c.from, reason }
    case 'write': return c.previous === null
      ? { op: 'unlink', path: c.path, was: { text: c.text, mode: c.mode }, reason }
      : restore(c.path, c.previous, reason)
    case 'symlink': return { op: 'unlink', path: c.path, was: { target: c.target }, reason }
    case 'unlink': return restore(c.path, c.was, reason)
  }
}

function restore(path: string, was: Previous, reason: string): Change {
  return 'target' in was
    ? { op: 'symlink', path, target: was.target, reason }
    : { op: 'write', path, text: was.text, mode: was.mode, previous: null, reason }
}

/** Hex SHA-256 of a text as UTF-8: how the manifest names a file we wrote. */
export function sha256(text: string): string {
  return digest('sha256', text).toString('hex')
}

/** `/a/b/c` → [`/a`, `/a/b`, `/a/b/c`]. */
export function ancestors(path: string): string[] {
  const parts = path.split('/').filter(Boolean)
  return parts.map((_, i) => '/' + parts.slice(0, i + 1).join('/'))
}
