/**
 * Doctor's conntrack check: entries that point at a docker address no running container holds
 * (the daemons' bridge subnets and their networks', from their API), which keep an old NAT
 * decision; closing TCP entries are only mentioned, they expire by themselves.
 */
import { resolveSettings } from '../dockerd/settings.js'
import type { ConntrackEntry, MachineState } from '../model.js'
import { formatPrefix, isLinkScoped, type Prefix, prefixContains, prefixesOverlap, tryParsePrefix } from '../net/prefix.js'
import { dockerSubnets } from '../plan/index.js'
import { conntrackDeleteCommand } from '../tools/conntrack.js'
import { defaultBridgeOf, readErrorsOf } from './facts.js'
import type { Finding, RunningDockerd } from './types.js'

/** TCP states of a flow that is closing; such an entry expires by itself within minutes. */
const CLOSING_STATES = new Set(['TIME_WAIT', 'CLOSE', 'CLOSE_WAIT', 'LAST_ACK', 'FIN_WAIT'])

/** The conntrack findings for `state`'s entries and the daemons `running` here. */
export function checkConntrack(state: MachineState, running: RunningDockerd[]): Finding[] {
  const entries = state.conntrack
  if (!entries) {
    return [{
      check: 'conntrack', severity: 'info', subject: 'conntrack', message: `not checked: conntrack entries could not be read${readErrorsOf(state, 'conntrack')}`,
      fix: 'install conntrack-tools and run doctor as root to look for entries of gone containers',
    }]
  }
  if (running.length === 0 || running.some((d) => d.api.containers === null)) {
    const why = running.length === 0 ? 'no running dockerd to ask' : running.filter((d) => d.api.error).map((d) => `dockerd pid ${d.pid}: ${d.api.error}`).join('; ')
    return [{ check: 'conntrack', severity: 'info', subject: 'conntrack', message: `not checked: the running containers' addresses are unknown (${why})`, fix: null }]
  }
  const subnets: { p: Prefix, from: string }[] = []
  const addSubnet = (p: Prefix | null, from: string) => {
    // Link-local and multicast ranges (the API's or a bridge's) are not containers' networks.
    if (!p || isLinkScoped(formatPrefix(p))) return
    // Host routes of the bridge's own and broadcast addresses lie inside its subnet: keep the widest.
    if (subnets.some((s) => s.p.length <= p.length && prefixesOverlap(s.p, p))) return
    for (let i = subnets.length - 1; i >= 0; i--) if (subnets[i].p.length > p.length && prefixesOverlap(subnets[i].p, p)) subnets.splice(i, 1)
    subnets.push({ p, from })
  }
  for (const d of running) {
    const bridge = defaultBridgeOf(d)
    const found = dockerSubnets({ ...state, daemon_json: d.daemon_json }, { ...resolveSettings(d.argv, d.daemon_json), bridge: bridge === 'docker0' ? null : bridge })
    for (const p of found.prefixes) addSubnet(p, `dockerd pid ${d.pid}`)
    for (const n of d.api.networks ?? []) for (const s of n.subnets) addSubnet(tryParsePrefix(s), `network "${n.name}"`)
  }
  const live = new Set(running.flatMap((d) => (d.api.containers ?? []).flatMap((c) => c.ips.map(normalizeAddr))))
  const local = new Set((state.links ?? []).flatMap((l) => (l.addrs ?? []).map((a) => normalizeAddr(a.split('/')[0]))))
  const stale: { entry: ConntrackEntry, addr: string, subnet: string }[] = []
  for (const e of entries) {
    for (const a of [e.orig.src, e.orig.dst, e.reply.src, e.reply.dst]) {
      const n = normalizeAddr(a)
      if (live.has(n) || local.has(n)) continue
      const hit = subnets.find((s) => prefixContains(s.p, a))
      if (hit) { stale.push({ entry: e, addr: a, subnet: formatPrefix(hit.p) }); break }
    }
  }
  const subnetText = subnets.map((s) => formatPrefix(s.p)).join(', ') || 'none'
  if (stale.length === 0) {
    return [{ check: 'conntrack', severity: 'ok', subject: 'conntrack', message: `${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}; none points at a docker address without a running container (docker subnets: ${subnetText})`, fix: null }]
  }
  const active = stale.filter((s) => !(s.entry.proto === 'tcp' && CLOSING_STATES.has(String(s.entry.state ?? ''))))
  const closing = stale.length - active.length
  const out: Finding[] = []
  if (active.length > 0) {
    const shown = active.slice(0, 5).map((s) => `${s.entry.proto} ${s.entry.orig.src} -> ${s.entry.orig.dst}${s.entry.orig.dport !== undefined ? `:${s.entry.orig.dport}` : ''} (${s.addr} in ${s.subnet})`)
    const more = active.length > shown.length ? `, and ${active.length - shown.length} more` : ''
    out.push({
      check: 'conntrack', severity: 'problem', subject: 'conntrack',
      message: `${active.length} of ${entries.length} conntrack entries point at docker addresses no running container has: ${shown.join('; ')}${more}; ` +
        'packets matching them keep the old NAT decision and go to a container that is gone (a UDP sender with a fixed source port never recovers: moby#8795)',
      fix: `delete them: ${active.slice(0, 5).map((s) => conntrackDeleteCommand(s.entry)).join('; ')}${more ? '; …' : ''} ` +
        '(dockerd-autonet deletes such entries before it starts dockerd)',
      data: { ids: active.map((s) => s.entry.id), entries: active.map((s) => s.entry) },
    })
  }
  if (closing > 0) {
    out.push({
      check: 'conntrack', severity: 'info', subject: 'conntrack',
      message: `${closing} closing TCP entr${closing === 1 ? 'y' : 'ies'} of containers that are gone; they expire by themselves`, fix: null,
    })
  }
  return out
}

function normalizeAddr(a: string): string {
  const p = tryParsePrefix(a)
  return p ? `${p.family}:${p.network}` : a.toLowerCase()
}
