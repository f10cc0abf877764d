/**
 * Decision: which conntrack entries to delete before dockerd starts: those that can only be
 * stale (stale-conntrack.ts), in the docker bridge subnets of this machine (docker-subnets.ts).
 */
import { dockerSubnets } from './docker-subnets.js'
import { describeStale, staleConntrackEntries } from './stale-conntrack.js'
import { type PlanContext, step, type Step } from './step.js'

/** The conntrack step: one conntrack-delete action naming the stale entries, or why there is none. */
export function conntrackStep({ state, opts, settings }: PlanContext): Step {
  const entries = state.conntrack ?? []
  if (entries.length === 0) return step({})
  if (!opts.conntrackCleanup) return step({ reasons: ['conntrack clean-up disabled (--autonet-no-conntrack)'] })
  const subnets = dockerSubnets(state, settings)
  const stale = staleConntrackEntries(entries, subnets.prefixes, state.links ?? [])
  if (stale.length === 0) return step({ reasons: [`conntrack: none of ${entries.length} entries is stale (${subnets.reason})`] })
  const d = describeStale(stale, entries.length)
  return step({ actions: [{ type: 'conntrack-delete', ids: d.value, entries: stale.map((s) => s.entry), reason: `${d.reason}; ${subnets.reason}` }] })
}
