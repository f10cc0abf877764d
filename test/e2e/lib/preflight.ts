/**
 * Whether this machine can run the namespace/dockerd e2e tests, and the CI policy for when it
 * cannot: in CI a missing prerequisite is a failure (a skipped e2e suite is not a pass);
 * elsewhere the file is skipped so unprivileged local runs stay green.
 */
import fs from 'node:fs'
import { HOST_BUSYBOX } from './busybox-image.js'

const TOOLS = [HOST_BUSYBOX]
// The host's tools every engine uses (the engines themselves: lib/engines.ts).
const ON_PATH = ['nsenter', 'unshare', 'ip', 'iptables', 'runc', 'conntrack', 'tar', 'awk', 'find', 'mount', 'umount', 'mountpoint']

function onPath(bin: string): boolean {
  return (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':')
    .concat(['/usr/sbin', '/sbin'])
    .some((d) => {
      try { fs.accessSync(`${d}/${bin}`, fs.constants.X_OK); return true } catch { return false }
    })
}

/** Why e2e tests cannot run here, or undefined if they can. */
export function e2eUnavailableReason(): string | undefined {
  const missing: string[] = []
  if (process.platform !== 'linux') return `not Linux (${process.platform})`
  if (typeof process.getuid === 'function' && process.getuid() !== 0) missing.push('root (uid 0)')
  for (const f of TOOLS) {
    try { fs.accessSync(f, fs.constants.X_OK) } catch { missing.push(f) }
  }
  for (const b of ON_PATH) if (!onPath(b)) missing.push(b)
  if (!fs.existsSync('/sys/fs/cgroup')) missing.push('/sys/fs/cgroup')
  return missing.length ? `missing: ${missing.join(', ')}` : undefined
}

/** True when running in CI (`CI` set to anything but '', '0' or 'false', as most CI systems do). */
export function inCI(): boolean {
  const ci = process.env.CI
  return ci !== undefined && !['', '0', 'false'].includes(ci.toLowerCase())
}

/** The part of a tap Test the gate needs. */
export interface Gateable {
  fail(message: string): unknown
  plan(n: number, comment?: string): unknown
}

/**
 * Call at the top of an e2e test file: returns true if the tests can run. Otherwise fails the
 * file when `CI` is set, or plans it as skipped, and returns false.
 */
export function requireE2E(t: Gateable): boolean {
  const why = e2eUnavailableReason()
  if (!why) return true
  if (inCI()) {
    t.fail(`e2e prerequisites missing in CI (a skipped e2e run is not a pass): ${why}`)
  } else {
    t.plan(0, `e2e skipped outside CI: ${why}`)
  }
  return false
}
