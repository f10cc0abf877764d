/**
 * Delete exactly the conntrack entries the plan named stale, one by one by their full original
 * tuple, with conntrack-tools (`conntrack -D`, conntrack(8)). Never a flush: the machine's own
 * flows stay.
 */
import { isIPv6 } from 'node:net'
import type { Logger } from '../log.js'
import type { ConntrackEntry } from '../model.js'
import { ConntrackUnusableError, conntrackUnusable } from '../read/conntrack.js'
import { describeFailure, type Runner } from '../read/runner.js'

/** conntrack(8) arguments selecting one entry by its original tuple. */
export function conntrackDeleteArgs(e: ConntrackEntry): string[] {
  const family = (e.family ?? (isIPv6(e.orig.src) ? 'ipv6' : 'ipv4'))
  // conntrack-tools names only the protocols it has modules for; the others ("unknown": IGMP,
  // ESP, …) are selected by number.
  const proto = NAMED_PROTOCOLS.has(e.proto) || e.protonum === undefined ? e.proto : String(e.protonum)
  const args = ['-D', '-f', family, '-p', proto, '--orig-src', e.orig.src, '--orig-dst', e.orig.dst]
  if (e.orig.sport !== undefined) args.push('--orig-port-src', String(e.orig.sport))
  if (e.orig.dport !== undefined) args.push('--orig-port-dst', String(e.orig.dport))
  return args
}

/** Protocols conntrack(8) takes by name (its protocol extensions). */
const NAMED_PROTOCOLS = new Set(['tcp', 'udp', 'udplite', 'sctp', 'dccp', 'gre', 'icmp', 'icmpv6'])

/**
 * Deletes `entries`. An entry already gone (conntrack exits 1 saying "0 flow entries have been
 * deleted") counts as done; any other failure is counted and its first message logged.
 * @returns how many were deleted, already gone, and failed.
 * @throws Error when conntrack cannot be run at all (not installed, no CAP_NET_ADMIN), naming it.
 */
export async function deleteConntrackEntries(entries: ConntrackEntry[], run: Runner, log: Logger): Promise<{ deleted: number, gone: number, failed: number }> {
  let deleted = 0
  let gone = 0
  const failures: string[] = []
  for (const e of entries) {
    const args = conntrackDeleteArgs(e)
    const r = await run('conntrack', args)
    if (r.exitCode === 0) { deleted++; continue }
    if (conntrackUnusable(r)) throw new ConntrackUnusableError(`conntrack clean-up skipped: ${describeFailure('conntrack', args, r)}`)
    if (r.exitCode === 1 && /\b0 flow entries have been deleted/.test(`${r.stderr ?? ''}${r.stdout}`)) { gone++; continue }
    failures.push(describeFailure('conntrack', args, r))
  }
  log.info(`conntrack: deleted ${deleted} stale entr${deleted === 1 ? 'y' : 'ies'}${gone ? `, ${gone} already gone` : ''}` +
    (failures.length ? `, ${failures.length} could not be deleted` : ''))
  if (failures.length) log.warn(`conntrack: ${failures[0]}${failures.length > 1 ? ` (and ${failures.length - 1} more)` : ''}`)
  return { deleted, gone, failed: failures.length }
}
