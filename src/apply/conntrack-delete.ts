/**
 * Delete exactly the conntrack entries the plan named stale, one by one by their full original
 * tuple, with conntrack-tools (`conntrack -D`, conntrack(8)). Never a flush: the machine's own
 * flows stay.
 */
import { isIPv6 } from 'node:net'
import type { Logger } from '../log.js'
import type { ConntrackEntry } from '../model.js'
import { describeFailure, EXIT_NOT_STARTED, type Runner } from '../read/runner.js'

/** conntrack(8) arguments selecting one entry by its original tuple. */
export function conntrackDeleteArgs(e: ConntrackEntry): string[] {
  const family = (e.family ?? (isIPv6(e.orig.src) ? 'ipv6' : 'ipv4'))
  const args = ['-D', '-f', family, '-p', e.proto, '--orig-src', e.orig.src, '--orig-dst', e.orig.dst]
  if (e.orig.sport !== undefined) args.push('--orig-port-src', String(e.orig.sport))
  if (e.orig.dport !== undefined) args.push('--orig-port-dst', String(e.orig.dport))
  return args
}

/**
 * Deletes `entries`. An entry already gone (conntrack exits 1, "0 flow entries") counts as done.
 * @returns how many were deleted and how many were already gone.
 * @throws Error when conntrack cannot be run at all (not installed, no CAP_NET_ADMIN), naming it.
 */
export async function deleteConntrackEntries(entries: ConntrackEntry[], run: Runner, log: Logger): Promise<{ deleted: number, gone: number }> {
  let deleted = 0
  let gone = 0
  for (const e of entries) {
    const args = conntrackDeleteArgs(e)
    const r = await run('conntrack', args)
    if (r.exitCode === 0) { deleted++; continue }
    if (r.exitCode === EXIT_NOT_STARTED || /Operation not permitted|Permission denied/i.test(r.stderr ?? '')) {
      throw new Error(`conntrack clean-up skipped: ${describeFailure('conntrack', args, r)}`)
    }
    gone++
  }
  log.info(`conntrack: deleted ${deleted} stale entr${deleted === 1 ? 'y' : 'ies'}${gone ? `, ${gone} already gone` : ''}`)
  return { deleted, gone }
}
