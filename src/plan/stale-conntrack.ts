/**
 * Which conntrack entries are stale at dockerd's start.
 *
 * Before dockerd starts, no container exists, so:
 * 1. any entry with an address inside a docker bridge subnet belongs to a container that is gone
 *    (its flow is pinned to an old container IP, or was never masqueraded: docker/for-linux#156;
 *    Engine 23.0 flushes published UDP ports' entries on container start, moby#44742, 20.10
 *    does not);
 * 2. a UDP entry that got no reply, is addressed to this machine and was not translated is a
 *    sender that kept transmitting while a published port had no DNAT rule; it would keep
 *    bypassing the DNAT rule dockerd is about to add, for as long as the sender keeps sending.
 * Everything else is the machine's own traffic and is kept (a blanket `conntrack -F` would cut
 * the pod's DNS and API-server flows). Deleting an entry is safe in any case: the next packet
 * creates a fresh one that goes through the NAT table again.
 */
import type { ConntrackEntry, Decided, Link } from '../model.js'
import { type Prefix, formatPrefix, prefixContains } from '../net/prefix.js'

export interface StaleVerdict {
  entry: ConntrackEntry
  why: string
}

/** The stale entries among `entries`, each with the rule that condemned it. */
export function staleConntrackEntries(entries: ConntrackEntry[], dockerSubnets: Prefix[], links: Link[]): StaleVerdict[] {
  const local = new Set(links.flatMap((l) => (l.addrs ?? []).map((a) => a.split('/')[0])))
  const out: StaleVerdict[] = []
  for (const e of entries) {
    const addrs = [e.orig.src, e.orig.dst, e.reply.src, e.reply.dst]
    const hit = dockerSubnets.find((p) => addrs.some((a) => prefixContains(p, a)))
    if (hit) { out.push({ entry: e, why: `address in docker subnet ${formatPrefix(hit)}` }); continue }
    if (isUntranslatedInboundUdp(e, local)) {
      out.push({ entry: e, why: `UDP to ${e.orig.dst}:${e.orig.dport ?? '?'} never replied and never translated` })
    }
  }
  return out
}

function isUntranslatedInboundUdp(e: ConntrackEntry, local: Set<string>): boolean {
  const unreplied = (e.flags ?? []).includes('UNREPLIED')
  const untranslated = e.reply.src === e.orig.dst && (e.reply.sport ?? null) === (e.orig.dport ?? null)
  return e.proto === 'udp' && unreplied && untranslated && local.has(e.orig.dst)
}

/** The one-line summary for the plan's conntrack-delete action (the first few entries named). */
export function describeStale(stale: StaleVerdict[], total: number): Decided<string[]> {
  const ids = stale.map((s) => s.entry.id)
  const shown = stale.slice(0, 5).map((s) => `${s.entry.id}: ${s.why}`)
  const more = stale.length > shown.length ? `, and ${stale.length - shown.length} more` : ''
  return { value: ids, reason: `conntrack: delete ${ids.length} of ${total} entries left from before this dockerd (${shown.join('; ')}${more})` }
}
