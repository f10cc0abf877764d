/**
 * A tree's full listing for byte-for-byte comparisons: every path with its type, permission
 * bits, owner, and content hash (files) or target (links). Directory mtimes are left out:
 * creating and removing an entry changes its parent's mtime, which no uninstall can restore.
 */
import { createHash } from 'node:crypto'
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { join } from 'node:path'

export function hashTree(root: string): string[] {
  const out: string[] = []
  const walk = (rel: string) => {
    const abs = join(root, rel)
    const st = lstatSync(abs)
    const meta = `${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid}`
    if (st.isSymbolicLink()) out.push(`${rel} link ${meta} -> ${readlinkSync(abs)}`)
    else if (st.isFile()) out.push(`${rel} file ${meta} ${st.size} ${createHash('sha256').update(readFileSync(abs)).digest('hex')} mtime ${st.mtimeMs}`)
    else if (st.isDirectory()) {
      out.push(`${rel || '.'} dir ${meta}`)
      for (const name of readdirSync(abs).sort()) walk(rel ? `${rel}/${name}` : name)
    } else out.push(`${rel} other ${meta}`)
  }
  walk('')
  return out
}
