import t from 'tap'
import type { ConntrackEntry } from '../../src/model.js'
import { parsePrefix } from '../../src/net/prefix.js'
import { describeStale, staleConntrackEntries } from '../../src/plan/stale-conntrack.js'
import { link } from '../helpers/state.js'

const e = (id: string, o: Partial<ConntrackEntry> & { src: string, dst: string, rsrc?: string, rsport?: number }): ConntrackEntry => ({
  id, proto: o.proto ?? 'udp', flags: o.flags ?? [],
  orig: { src: o.src, dst: o.dst, sport: 4000, dport: 53 }, reply: { src: o.rsrc ?? o.dst, dst: o.src, sport: o.rsport ?? 53, dport: 4000 },
})

t.test('docker addresses, and untranslated unreplied UDP to this host, are stale; the rest stays', async (t) => {
  const links = [link('eth0', 1500, { addrs: ['10.0.0.5/24'] })]
  const entries = [
    e('docker', { src: '172.17.0.4', dst: '8.8.8.8' }),
    e('inbound', { src: '10.0.0.9', dst: '10.0.0.5', flags: ['UNREPLIED'] }),
    e('replied', { src: '10.0.0.9', dst: '10.0.0.5' }),
    e('translated', { src: '10.0.0.9', dst: '10.0.0.5', flags: ['UNREPLIED'], rsrc: '10.1.0.2' }),
    e('own', { src: '10.0.0.5', dst: '10.0.0.53' }),
  ]
  const stale = staleConntrackEntries(entries, [parsePrefix('172.17.0.0/16')], links)
  t.same(stale.map((s) => [s.entry.id, s.why]), [['docker', 'address in docker subnet 172.17.0.0/16'], ['inbound', 'UDP to 10.0.0.5:53 never replied and never translated']])
  t.same(describeStale(stale, entries.length), {
    value: ['docker', 'inbound'],
    reason: 'conntrack: delete 2 of 5 entries left from before this dockerd (docker: address in docker subnet 172.17.0.0/16; inbound: UDP to 10.0.0.5:53 never replied and never translated)',
  })
})
