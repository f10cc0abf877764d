import t from 'tap'
import { bypassingEntries, clearBypassingEntries, startConntrackWatch, type WatchApi } from '../../src/apply/conntrack-watch.js'
import { memoryLogger } from '../../src/log.js'
import { parseConntrackList } from '../../src/tools/conntrack.js'
import type { Runner } from '../../src/tools/runner.js'
import { publishedUdpPorts } from '../../src/dockerd/engine-objects.js'
import { inspectSyslog } from '../helpers/engine-fixtures.js'
import { until } from '../helpers/until.js'

/** `docker inspect` of a container publishing 5514->514/udp on all addresses, and 8080->80/tcp. */
const INSPECT = inspectSyslog()

/** conntrack -L lines for host port 5514 on a host with 10.0.0.10 (eth0) and 172.17.0.1 (docker0). */
const LISTING = [
  // A: sent while no container published the port: no translation, never replied.
  'udp      17 29 src=10.0.0.21 dst=10.0.0.10 sport=514 dport=5514 [UNREPLIED] src=10.0.0.10 dst=10.0.0.21 sport=5514 dport=514 mark=0 use=1',
  // B: translated to the previous container (172.17.0.2).
  'udp      17 29 src=10.0.0.22 dst=10.0.0.10 sport=40514 dport=5514 [UNREPLIED] src=172.17.0.2 dst=10.0.0.22 sport=514 dport=40514 mark=0 use=1',
  // C: translated to the new container: right.
  'udp      17 29 src=10.0.0.23 dst=10.0.0.10 sport=40515 dport=5514 [UNREPLIED] src=172.17.0.3 dst=10.0.0.23 sport=514 dport=40515 mark=0 use=1',
  // D: this host sending to a remote service on port 5514: not ours to touch.
  'udp      17 29 src=10.0.0.10 dst=198.51.100.7 sport=33000 dport=5514 src=198.51.100.7 dst=10.0.0.10 sport=5514 dport=33000 mark=0 use=1',
].join('\n')

const LOCAL = ['127.0.0.1', '10.0.0.10', '172.17.0.1', '::1']

t.test('bypassingEntries: host port matched (not the container port), translated-to-the-new-container kept', async (t) => {
  const entries = parseConntrackList(LISTING)
  const ports = publishedUdpPorts(INSPECT)
  const ids = (es: typeof entries) => es.map((e) => `${e.orig.src}:${e.orig.sport}`)
  t.same(ids(bypassingEntries(entries, ports, ['172.17.0.3'], LOCAL)), ['10.0.0.21:514', '10.0.0.22:40514'], 'A and B; not C (new container), not D (not to this host)')
  t.same(ids(bypassingEntries(entries, ports, ['172.17.0.3'], null)).length, 3, 'local addresses unknown: any destination')
  t.same(ids(bypassingEntries(entries, [{ hostIp: '10.0.0.99', hostPort: 5514, containerPort: 514 }], ['172.17.0.3'], LOCAL)), [], 'published on another address')
  t.same(ids(bypassingEntries(entries, [{ hostIp: null, hostPort: 514, containerPort: 514 }], ['172.17.0.3'], LOCAL)), [], 'the container port is not the host port (moby#53384)')
  const tcp = parseConntrackList('tcp      6 431999 ESTABLISHED src=10.0.0.30 dst=10.0.0.10 sport=52000 dport=5514 src=10.0.0.10 dst=10.0.0.30 sport=5514 dport=52000 [ASSURED] mark=0 use=1')
  t.same(bypassingEntries(tcp, ports, ['172.17.0.3'], LOCAL), [], 'TCP is left alone')
  const v6 = parseConntrackList('udp      17 29 src=fd00::21 dst=fd00::10 sport=514 dport=5514 [UNREPLIED] src=fd00::10 dst=fd00::21 sport=5514 dport=514 mark=0 use=1')
  t.equal(bypassingEntries(v6, ports, ['172.17.0.3'], ['fd00:0:0::10']).length, 1, 'IPv6 addresses compared by value')
})

/** A runner answering `ip -j -d addr show` and `conntrack -L/-D`, recording the commands. */
function fakeRunner(listing = LISTING, conntrack: 'ok' | 'missing' = 'ok') {
  const calls: string[] = []
  const run: Runner = async (cmd, args) => {
    calls.push([cmd, ...args].join(' '))
    if (cmd === 'ip') return { stdout: JSON.stringify([{ ifname: 'eth0', addr_info: [{ local: '10.0.0.10', prefixlen: 24 }] }]), exitCode: 0 }
    if (conntrack === 'missing') return { stdout: '', stderr: 'spawn conntrack ENOENT', exitCode: 127 }
    if (args[0] === '-L') return { stdout: args.includes('ipv4') ? listing : '', exitCode: 0 }
    return { stdout: '', exitCode: 0 }
  }
  return { run, calls }
}

t.test('clearBypassingEntries lists the host ports and deletes exactly the bypassing entries', async (t) => {
  const { run, calls } = fakeRunner()
  const log = memoryLogger()
  t.equal(await clearBypassingEntries(INSPECT, run, log), 2)
  t.same(calls, [
    'ip -j -d addr show',
    'conntrack -L -f ipv4 -p udp --orig-port-dst 5514',
    'conntrack -L -f ipv6 -p udp --orig-port-dst 5514',
    'conntrack -D -f ipv4 -p udp --orig-src 10.0.0.21 --orig-dst 10.0.0.10 --orig-port-src 514 --orig-port-dst 5514 --reply-src 10.0.0.10',
    'conntrack -D -f ipv4 -p udp --orig-src 10.0.0.22 --orig-dst 10.0.0.10 --orig-port-src 40514 --orig-port-dst 5514 --reply-src 172.17.0.2',
  ])
  t.match(log.lines.join('\n'), /conntrack watch: container 0123456789ab \(syslog\) publishes 5514->514\/udp at 172\.17\.0\.3: deleted 2 entries that bypassed its DNAT \(10\.0\.0\.21:514 -> 10\.0\.0\.10:5514 \(reply from 10\.0\.0\.10\)/)

  const none = fakeRunner()
  t.equal(await clearBypassingEntries({ Id: 'x', NetworkSettings: { Ports: { '80/tcp': [{ HostPort: '80' }] } } }, none.run, memoryLogger()), 0)
  t.same(none.calls, [], 'no UDP port published: nothing run')

  await t.rejects(clearBypassingEntries(INSPECT, fakeRunner(LISTING, 'missing').run, memoryLogger()), /conntrack watch: `conntrack -L .*` could not be run/)
})

/** A fake Engine API: ping answers after `downFor` attempts; events are pushed by the test. */
function fakeApi(downFor = 0) {
  let pings = 0
  const streams: { since: number, push: (id: string, time: number) => void, end: () => void }[] = []
  const inspected: string[] = []
  const api: WatchApi = {
    ping: async () => ++pings > downFor,
    inspect: async (id) => { inspected.push(id); return { ...INSPECT, Id: id } },
    startEvents: (since, onEvent, signal) => new Promise<void>((resolve) => {
      const s = { since, push: (id: string, time: number) => onEvent({ id, time, timeNano: time * 1e9 }), end: resolve }
      streams.push(s)
      signal.addEventListener('abort', () => resolve())
    }),
  }
  return { api, streams, inspected, pings: () => pings }
}

t.test('startConntrackWatch: waits for the API, handles each start once, reconnects from the last event, stops', async (t) => {
  const f = fakeApi(3)
  const { run, calls } = fakeRunner()
  const log = memoryLogger()
  const w = startConntrackWatch({ socketPath: '/x.sock', log, run, api: f.api, since: 100, retryMs: 5 })
  await w.connected
  t.equal(f.pings(), 4, 'retried until dockerd answered')
  t.equal(f.streams[0].since, 100)
  t.match(log.lines.join('\n'), /conntrack watch: following container starts on unix:\/\/\/x\.sock/)

  f.streams[0].push('c1', 150)
  f.streams[0].push('c1', 150)
  await until(() => calls.filter((c) => c.startsWith('conntrack -D')).length === 2)
  t.same(f.inspected, ['c1'], 'a repeated event is handled once')

  f.streams[0].end()
  await until(() => f.streams.length === 2)
  t.equal(f.streams[1].since, 150, 'the new stream replays from the last event seen')
  f.streams[1].push('c1', 150)
  f.streams[1].push('c2', 151)
  await until(() => f.inspected.length === 2)
  t.same(f.inspected, ['c1', 'c2'], 'the replayed event is not handled again')

  await w.stop()
  const pings = f.pings()
  await new Promise((r) => setTimeout(r, 30))
  t.equal(f.pings(), pings, 'no more attempts after stop')
})

t.test('startConntrackWatch stops itself when conntrack cannot be run', async (t) => {
  const f = fakeApi()
  const log = memoryLogger()
  const w = startConntrackWatch({ socketPath: '/x.sock', log, run: fakeRunner(LISTING, 'missing').run, api: f.api, retryMs: 5 })
  await w.connected
  f.streams[0].push('c1', 1)
  await until(() => log.lines.some((l) => l.includes('stopping')))
  t.match(log.lines.join('\n'), /warn: conntrack watch: container c1: conntrack watch: `conntrack -L/)
  await w.stop()
})
