/**
 * Delete exactly the conntrack entries the plan named stale, one by one by their full original
 * tuple, with conntrack-tools (`conntrack -D`, conntrack(8)). Never a flush: the machine's own
 * flows stay.
 */
import type { Logger } from '../log.js'
import type { ConntrackEntry } from '../model.js'
import { ConntrackUnusableError, conntrackDeleteArgs, conntrackUnusable } from '../tools/conntrack.js'
import { describeFailure, type Runner } from '../tools/runner.js'

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
