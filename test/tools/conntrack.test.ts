import t from 'tap'
import type { ConntrackEntry } from '../../src/model.js'
import { conntrackDeleteArgs, conntrackDeleteCommand, parseConntrackLine, parseConntrackList, readConntrack } from '../../src/tools/conntrack.js'
import { fixtureText, ok, replayRunner } from '../helpers/fake-machine.js'

const v4 = parseConntrackList(fixtureText('conntrack-ipv4.txt'))
const v6 = parseConntrackList(fixtureText('conntrack-ipv6.txt'))

t.test('recorded IPv4 entries', async (t) => {
  t.equal(v4.length, 4)
  const tcp = v4.find((e) => e.proto === 'tcp')
  t.same(tcp && { ...tcp, id: 'x' }, {
    id: 'x', proto: 'tcp', protonum: 6, state: 'ESTABLISHED', flags: ['ASSURED'], family: 'ipv4',
    orig: { src: '10.0.0.2', dst: '10.1.0.1', sport: 50000, dport: 6443 },
    reply: { src: '10.1.0.1', dst: '10.0.0.2', sport: 6443, dport: 50000 },
  })
  const dnat = v4.find((e) => e.orig.dport === 8888)
  t.match(dnat, {
    proto: 'udp', state: null, flags: ['UNREPLIED'],
    orig: { src: '10.0.0.2', dst: '10.0.0.10', sport: 40000, dport: 8888 },
    reply: { src: '10.1.0.1', dst: '10.0.0.2', sport: 9999, dport: 40000 },
  }, 'a NATed flow: the reply comes from where the DNAT sent it')
  const icmp = v4.find((e) => e.proto === 'icmp')
  t.same(icmp?.orig, { src: '10.1.0.1', dst: '10.1.0.1' }, 'ICMP has no ports')
  t.same(icmp?.flags, [])
})

t.test('recorded IPv6 entry', async (t) => {
  t.match(v6, [{
    proto: 'udp', family: 'ipv6', flags: ['UNREPLIED'],
    orig: { src: 'fd00:1::2', dst: 'fd00:1::2', sport: 42000, dport: 5353 },
  }])
})

t.test('ids: stable across listings and formats, unique', async (t) => {
  const ids = [...v4, ...v6].map((e) => e.id)
  t.equal(new Set(ids).size, ids.length, 'unique')
  t.ok(ids.every((id) => /^ct-[0-9a-f]{12}$/.test(id)))
  const extended = parseConntrackList(fixtureText('conntrack-extended.txt'))
  t.same(extended.map((e) => e.id).sort(), [...ids].sort(), '-o extended gives the same ids')
  const lines = fixtureText('conntrack-ipv4.txt').trim().split('\n')
  const later = parseConntrackList([
    'udp      17 30 src=10.0.0.9 dst=10.0.0.53 sport=1234 dport=53 [UNREPLIED] src=10.0.0.53 dst=10.0.0.9 sport=53 dport=1234 mark=0 use=1',
    ...lines.reverse(),
  ].join('\n'))
  for (const e of v4) t.equal(later.find((x) => x.orig.sport === e.orig.sport && x.proto === e.proto)?.id, e.id, `${e.proto} ${e.orig.sport}: same id in a later, reordered listing`)
  const timerMoved = parseConntrackLine(lines[0].replace(/^(\w+\s+\d+\s+)\d+/, '$1 5'))
  t.equal(timerMoved?.id, parseConntrackLine(lines[0])?.id, 'the timeout column does not change the id')
})

t.test('line details: -o id suffix, zones, flags, duplicates, junk', async (t) => {
  const withId = parseConntrackLine('tcp      6 117 TIME_WAIT src=10.0.0.2 dst=10.1.0.1 sport=50000 dport=6443 src=10.1.0.1 dst=10.0.0.2 sport=6443 dport=50000 [ASSURED] mark=0 use=1 id=363425448')
  t.same(withId?.reply, { src: '10.1.0.1', dst: '10.0.0.2', sport: 6443, dport: 50000 }, 'the trailing id= is not part of the reply tuple')
  t.equal(withId?.state, 'TIME_WAIT')
  const offload = parseConntrackLine('udp 17 120 src=10.0.0.5 dst=10.0.0.10 sport=1 dport=2 src=10.0.0.10 dst=10.0.0.5 sport=2 dport=1 [OFFLOAD] mark=0 zone=3 use=2')
  t.same(offload?.flags, ['OFFLOAD'])
  const zone0 = parseConntrackLine('udp 17 120 src=10.0.0.5 dst=10.0.0.10 sport=1 dport=2 src=10.0.0.10 dst=10.0.0.5 sport=2 dport=1 [OFFLOAD] mark=0 use=2')
  t.not(offload?.id, zone0?.id, 'the same tuple in another zone is another flow')
  const twice = parseConntrackList(`${fixtureText('conntrack-ipv6.txt')}\n${fixtureText('conntrack-ipv6.txt')}`)
  t.equal(twice[1].id, `${twice[0].id}-2`)
  t.same(parseConntrackList('conntrack v1.4.7 (conntrack-tools): 4 flow entries have been shown.\n\nnonsense here\n'), [])
  t.equal(parseConntrackLine('udp 17 29 src=10.0.0.5 dst=10.0.0.10 sport=1 dport=2'), null, 'no reply tuple')
})

t.test('readConntrack lists each family explicitly', async (t) => {
  const run = replayRunner({
    'conntrack -L -f ipv4': ok(fixtureText('conntrack-ipv4.txt')),
    'conntrack -L -f ipv6': ok(fixtureText('conntrack-ipv6.txt')),
  })
  const r = await readConntrack(run)
  t.same(run.calls, ['conntrack -L -f ipv4', 'conntrack -L -f ipv6'])
  t.same(r.errors, [])
  t.equal(r.entries?.length, 5)
})

t.test('readConntrack: tool missing, no permission, one family failing', async (t) => {
  const missing = replayRunner({})
  const m = await readConntrack(missing)
  t.equal(m.entries, null, 'unknown, not empty')
  t.same(missing.calls, ['conntrack -L -f ipv4'], 'asked once')
  t.match(m.errors, [/^conntrack: `conntrack -L -f ipv4` could not be run .*; conntrack-tools not installed, entries unknown$/])

  // Recorded as uid 65534 with conntrack-tools 1.4.7.
  const denied = { stdout: '', stderr: 'conntrack v1.4.7 (conntrack-tools): Operation failed: sorry, you must be root or get CAP_NET_ADMIN capability to do this\n', exitCode: 1 }
  const p = await readConntrack(replayRunner({ 'conntrack -L -f ipv4': denied, 'conntrack -L -f ipv6': denied }))
  t.equal(p.entries, null)
  t.equal(p.errors.length, 1)
  t.match(p.errors[0], /must be root or get CAP_NET_ADMIN.*; needs root or CAP_NET_ADMIN, entries unknown$/)

  const half = await readConntrack(replayRunner({
    'conntrack -L -f ipv4': ok(fixtureText('conntrack-ipv4.txt')),
    'conntrack -L -f ipv6': { stdout: '', stderr: 'conntrack v1.4.7 (conntrack-tools): Operation failed: Protocol not supported\n', exitCode: 1 },
  }))
  t.equal(half.entries?.length, 4, 'IPv4 entries kept')
  t.match(half.errors, [/^conntrack: `conntrack -L -f ipv6` failed \(exit 1: .*Protocol not supported\)$/])
})

t.test('a protocol conntrack has no name for keeps its number (IGMP: unknown 2)', async (t) => {
  const e = parseConntrackLine('unknown  2 599 src=172.17.0.1 dst=224.0.0.22 [UNREPLIED] src=224.0.0.22 dst=172.17.0.1 mark=0 use=1')
  t.match(e, { proto: 'unknown', protonum: 2, orig: { src: '172.17.0.1', dst: '224.0.0.22' }, reply: { src: '224.0.0.22', dst: '172.17.0.1' } })
})

const udp: ConntrackEntry = { id: 'A', proto: 'udp', protonum: 17, orig: { src: '172.17.0.9', dst: '10.0.0.50', sport: 53587, dport: 8125 }, reply: { src: '10.0.0.50', dst: '10.0.0.10', sport: 8125, dport: 53587 } }
const igmp: ConntrackEntry = { id: 'B', proto: 'unknown', protonum: 2, orig: { src: '172.17.0.1', dst: '224.0.0.22' }, reply: { src: '224.0.0.22', dst: '172.17.0.1' } }
const tcp6: ConntrackEntry = { id: 'C', proto: 'tcp', orig: { src: 'fd00::2', dst: 'fd00::1', sport: 1, dport: 2 }, reply: { src: 'fd00::1', dst: 'fd00::2', sport: 2, dport: 1 } }

t.test('an entry is selected by its full original tuple; unnamed protocols by number', async (t) => {
  t.same(conntrackDeleteArgs(udp), ['-D', '-f', 'ipv4', '-p', 'udp', '--orig-src', '172.17.0.9', '--orig-dst', '10.0.0.50', '--orig-port-src', '53587', '--orig-port-dst', '8125'])
  t.same(conntrackDeleteArgs(igmp), ['-D', '-f', 'ipv4', '-p', '2', '--orig-src', '172.17.0.1', '--orig-dst', '224.0.0.22'])
  t.same(conntrackDeleteArgs(tcp6).slice(0, 5), ['-D', '-f', 'ipv6', '-p', 'tcp'])
})

t.test('the command to paste selects the same entry: unnamed protocols by number, never "-p unknown"', async (t) => {
  t.equal(conntrackDeleteCommand(udp), 'conntrack -D -p udp -s 172.17.0.9 -d 10.0.0.50 --sport 53587 --dport 8125')
  t.equal(conntrackDeleteCommand(igmp), 'conntrack -D -p 2 -s 172.17.0.1 -d 224.0.0.22')
  t.equal(conntrackDeleteCommand(tcp6), 'conntrack -D -f ipv6 -p tcp -s fd00::2 -d fd00::1 --sport 1 --dport 2')
})

t.test('readConntrack on a full table (200,000 entries): all read, no stack overflow', async (t) => {
  const lines: string[] = []
  for (let i = 0; i < 200_000; i++) {
    lines.push(`udp      17 28 src=10.0.${(i >> 8) & 255}.${i & 255} dst=10.1.0.1 sport=${1024 + (i % 60000)} dport=53 [UNREPLIED] src=10.1.0.1 dst=10.0.${(i >> 8) & 255}.${i & 255} sport=53 dport=${1024 + (i % 60000)} mark=0 use=1`)
  }
  const run = replayRunner({ 'conntrack -L -f ipv4': ok(lines.join('\n') + '\n'), 'conntrack -L -f ipv6': ok('') })
  const r = await readConntrack(run)
  t.same(r.errors, [])
  t.equal(r.entries?.length, 200_000)
})
