/**
 * Stale conntrack entries, real: flows are made in a namespace before dockerd starts there, then
 * the wrapper's read → plan → apply path runs (the wrapper starting each real engine) and
 * the namespace's conntrack table is read back. Exactly the stale entries must be gone:
 *   E1  UDP from 172.17.0.9 (dockerd's default bridge range, an address we put on the peer's veth),
 *       replied: a flow of a container that no longer exists;            → deleted
 *   E2  UDP to a local address, never replied, never translated (a sender that kept sending while
 *       no DNAT rule existed);                                            → deleted
 *   E3  UDP to a local address, replied (the pod's own service);          → kept
 *   E4  TCP, established;                                                 → kept
 *   E5  UDP from the pod to a neighbour, never replied (not to a local address) → kept
 * With --autonet-no-conntrack all five survive dockerd's start: none of 20.10, 26.1, 28.5 flushes
 * them (26.1 and 28.5 flush only a published port's entries, when a container publishes it).
 */
import t, { type Test } from 'tap'
import type { ConntrackEntry } from '../../src/model.js'
import { startDockerd } from './lib/dockerd.js'
import { conntrackList, runInNetns, showEntry } from './lib/flows.js'
import { findLeftovers, newSeen } from './lib/leftovers.js'
import type { Teardownable, Topology } from './lib/netns.js'
import { forEachEngine } from './lib/matrix.js'
import { podBehindWan } from './lib/topologies.js'
import { WRAPPER } from './lib/wrapper.js'

/** Servers in pod: UDP echo on 7001, TCP on 7002; and E5, a datagram from pod to lan:9. */
const POD = `
const dgram = require('dgram'), net = require('net')
const u = dgram.createSocket('udp4')
u.on('message', (m, r) => u.send(m, r.port, r.address))
u.bind(7001, '10.60.0.1', () => {
  net.createServer((c) => { c.on('error', () => {}); c.write('hello\\n') }).listen(7002, '10.60.0.1', () => {
    const o = dgram.createSocket('udp4')
    o.bind(4005, '10.60.0.1', () => o.send('x', 9, '10.60.0.2', () => console.log('ready')))
  })
})
`

/** Clients in lan: E1..E4; the TCP connection stays open while the program runs. */
const LAN = `
const dgram = require('dgram'), net = require('net')
const udp = (src, sport, dport, wantReply) => new Promise((resolve, reject) => {
  const s = dgram.createSocket('udp4')
  s.bind(sport, src, () => {
    s.send('x', dport, '10.60.0.1')
    if (!wantReply) return setTimeout(() => { s.close(); resolve('sent') }, 100)
    const timer = setTimeout(() => reject(new Error('no reply on ' + sport)), 3000)
    s.on('message', () => { clearTimeout(timer); s.close(); resolve('replied') })
  })
})
;(async () => {
  console.log('e1 ' + await udp('172.17.0.9', 4001, 7001, true))
  console.log('e2 ' + await udp('10.60.0.2', 4002, 5514, false))
  console.log('e3 ' + await udp('10.60.0.2', 4003, 7001, true))
  const c = net.connect({ host: '10.60.0.1', port: 7002, localAddress: '10.60.0.2', localPort: 4004 })
  c.on('error', (e) => console.log('error ' + e.message))
  c.once('data', () => console.log('e4 established'))
})().catch((e) => console.log('error ' + e.message))
`

type Flow = 'E1' | 'E2' | 'E3' | 'E4' | 'E5'
const FLOWS: Record<Flow, (e: ConntrackEntry) => boolean> = {
  E1: (e) => e.proto === 'udp' && e.orig.src === '172.17.0.9' && e.orig.sport === 4001 && e.orig.dport === 7001,
  E2: (e) => e.proto === 'udp' && e.orig.src === '10.60.0.2' && e.orig.sport === 4002 && e.orig.dport === 5514,
  E3: (e) => e.proto === 'udp' && e.orig.src === '10.60.0.2' && e.orig.sport === 4003 && e.orig.dport === 7001,
  E4: (e) => e.proto === 'tcp' && e.orig.src === '10.60.0.2' && e.orig.sport === 4004 && e.orig.dport === 7002,
  E5: (e) => e.proto === 'udp' && e.orig.src === '10.60.0.1' && e.orig.sport === 4005 && e.orig.dport === 9,
}

forEachEngine(t, import.meta.url, (t, engine) => {
  t.setTimeout(180_000)
  const seen = newSeen()

  /** pod (10.60.0.1, default via lan) <-> lan (10.60.0.2 and 172.17.0.9); conntrack on in pod. */
  async function podAndLan(tt: Teardownable): Promise<Topology> {
    const topo = await podBehindWan(tt, { seen, wan: 'lan', podAddr: '10.60.0.1/24', wanAddrs: ['10.60.0.2/24', '172.17.0.9/32'] })
    // A namespace tracks connections only once a rule needs conntrack.
    await topo.iptables('pod', ['-A', 'INPUT', '-m', 'conntrack', '--ctstate', 'NEW', '-j', 'ACCEPT'])
    // Long UDP timeouts, so nothing expires on its own during the test (defaults: 30 s / 120 s).
    await topo.sysctl('pod', 'net.netfilter.nf_conntrack_udp_timeout', 600)
    await topo.sysctl('pod', 'net.netfilter.nf_conntrack_udp_timeout_stream', 600)
    return topo
  }

  /** Makes E1..E5 and returns which flows are in pod's table, after checking their shape. */
  async function makeFlows(tt: Test, topo: Topology): Promise<void> {
    const pod = runInNetns(topo, 'pod', POD)
    await pod.waitFor(/^ready$/)
    const lan = runInNetns(topo, 'lan', LAN)
    await lan.waitFor(/^e4 established$/)
    tt.same(lan.lines().filter((l) => /^e\d/.test(l)), ['e1 replied', 'e2 sent', 'e3 replied', 'e4 established'])
    const table = await conntrackList(topo, 'pod')
    tt.comment(`before: ${table.map(showEntry).join('\n  ')}`)
    const get = (f: Flow) => table.find(FLOWS[f])
    tt.ok(get('E1') && !get('E1')!.flags?.includes('UNREPLIED'), 'E1: UDP from 172.17.0.9, replied')
    tt.match(get('E2'), { flags: ['UNREPLIED'], reply: { src: '10.60.0.1', sport: 5514 } }, 'E2: UDP to a local port, unreplied, untranslated')
    tt.ok(get('E3') && !get('E3')!.flags?.includes('UNREPLIED'), 'E3: UDP to a local port, replied')
    tt.match(get('E4'), { state: 'ESTABLISHED' }, 'E4: TCP established')
    tt.match(get('E5'), { flags: ['UNREPLIED'] }, 'E5: UDP out of pod, unreplied')
  }

  async function present(topo: Topology): Promise<Flow[]> {
    const table = await conntrackList(topo, 'pod')
    return (Object.keys(FLOWS) as Flow[]).filter((f) => table.some(FLOWS[f]))
  }

  t.test('the wrapper deletes exactly the stale entries before dockerd starts', async (t) => {
    const topo = await podAndLan(t)
    await makeFlows(t, topo)
    t.same(await present(topo), ['E1', 'E2', 'E3', 'E4', 'E5'], 'all five flows tracked')
    // --autonet-debug: the action's reason, naming each entry and why, is a debug line.
    const d = await startDockerd({ engine, netns: topo.ns('pod'), topology: topo, command: WRAPPER, extraArgs: ['--autonet-debug'] })
    seen.tmpDirs.push(d.tmpDir)
    t.same(await present(topo), ['E3', 'E4', 'E5'], 'E1 and E2 deleted, the rest kept', { log: d.log() })
    t.match(d.log(), /dockerd-autonet: conntrack: deleted 2 stale entries/, 'the wrapper says so')
    t.match(d.log(), /address in docker subnet 172\.17\.0\.0\/16/, 'E1: why')
    t.match(d.log(), /UDP to 10\.60\.0\.1:5514 never replied and never translated/, 'E2: why')
    // The kept TCP connection still works after the clean-up.
    const probe = await topo.exec('lan', ['sh', '-c', 'echo ping | timeout 3 busybox nc 10.60.0.1 7002'])
    t.match(probe.stdout, /hello/, 'the pod\'s TCP service still answers')
    await d.stop()
    t.same(await findLeftovers({ tmpDirs: [d.tmpDir] }), [])
  })

  t.test(`with --autonet-no-conntrack (the fix off) all entries survive ${engine.label}'s start`, async (t) => {
    const topo = await podAndLan(t)
    await makeFlows(t, topo)
    const d = await startDockerd({ engine, netns: topo.ns('pod'), topology: topo, command: WRAPPER, extraArgs: ['--autonet-no-conntrack'] })
    seen.tmpDirs.push(d.tmpDir)
    t.notMatch(d.log(), /conntrack: delete/, 'no clean-up planned')
    // dockerd has set up docker0 and its NAT rules by the time its API answers.
    t.match(await topo.ip('pod', ['-4', 'addr', 'show', 'dev', 'docker0']), /172\.17\.0\.1\/16/, 'dockerd took 172.17.0.0/16')
    t.same(await present(topo), ['E1', 'E2', 'E3', 'E4', 'E5'], 'the stale E1 and E2 remain')
  })

  t.test('nothing is left behind', async (t) => {
    t.same(await findLeftovers(seen), [])
  })
})
