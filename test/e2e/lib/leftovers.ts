/**
 * Postcondition checks for the harness itself: after a topology is destroyed or a dockerd
 * stopped, nothing of it may remain on the machine.
 */
import fs from 'node:fs'
import { run } from './exec.js'

export interface LeftoverQuery {
  /** Real netns names, or name prefixes ending in '-' (e.g. Topology.prefix). */
  netns?: string[]
  /** Instance temp dirs (Dockerd.tmpDir). */
  tmpDirs?: string[]
}

/**
 * What one test file created, recorded as it goes (namespace prefixes, instance and other temp
 * dirs) so that its last test can check with {@link findLeftovers} that none of it remains.
 */
export interface Seen extends LeftoverQuery {
  netns: string[]
  tmpDirs: string[]
}

/** An empty {@link Seen}. */
export function newSeen(): Seen {
  return { netns: [], tmpDirs: [] }
}

/** Describes every trace of the given resources still present; empty means clean. */
export async function findLeftovers(q: LeftoverQuery): Promise<string[]> {
  const found: string[] = []
  const list = await run(['ip', 'netns', 'list'])
  const names = list.stdout.split('\n').map((l) => l.split(' ')[0]).filter(Boolean)
  for (const want of q.netns ?? []) {
    for (const n of names) if (want.endsWith('-') ? n.startsWith(want) : n === want) found.push(`netns ${n}`)
  }
  const dirs = q.tmpDirs ?? []
  if (dirs.length === 0) return found
  for (const d of dirs) if (fs.existsSync(d)) found.push(`dir ${d}`)
  const mounts = fs.readFileSync('/proc/self/mounts', 'utf8').split('\n')
  for (const line of mounts) {
    const mp = line.split(' ')[1]
    if (mp && dirs.some((d) => mp === d || mp.startsWith(`${d}/`))) found.push(`mount ${mp}`)
  }
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let cmd: string
    try { cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ') } catch { continue }
    if (dirs.some((d) => cmd.includes(`${d}/`))) found.push(`process ${pid}: ${cmd.slice(0, 160)}`)
  }
  for (const ctrl of safeReaddir('/sys/fs/cgroup')) {
    for (const d of dirs) {
      const base = d.split('/').pop()!
      if (fs.existsSync(`/sys/fs/cgroup/${ctrl}/${base}`)) found.push(`cgroup /sys/fs/cgroup/${ctrl}/${base}`)
    }
  }
  return found
}

function safeReaddir(p: string): string[] {
  try { return fs.readdirSync(p) } catch { return [] }
}
