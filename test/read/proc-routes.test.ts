import t from 'tap'
import { join } from 'node:path'
import { hexToIpv6, parseProcNetIpv6Route, parseProcNetRoute, readProcRoutes } from '../../src/read/proc-routes.js'
import { fixtureText } from '../helpers/fake-machine.js'

// Recorded on x86_64 (little-endian): pass that explicitly so the test holds on any host.
const LE = true

t.test('/proc/net/route as recorded: main table only, first hop of multipath', async (t) => {
  const routes = parseProcNetRoute(fixtureText('proc-net-route.txt'), LE)
  t.same(routes.filter((r) => r.dst === 'default').map((r) => [r.metric, r.dev, r.gw]), [
    [100, 'veth0', '10.0.0.1'],
    [200, 'br0', '10.1.0.254'],
    [300, 'veth0', '10.0.0.1'],
  ], 'the metric-300 multipath route shows only its first hop')
  t.ok(routes.every((r) => r.table === 'main'))
  t.notOk(routes.some((r) => r.dst === '10.0.0.0/8'), 'the table-100 route is not in this file')
  t.notOk(routes.some((r) => r.dev === 'tun0' && r.dst === 'default'), 'nor the table-52 default')
  t.match(routes.find((r) => r.dst === '10.0.0.0/24'), { dev: 'veth0', gw: null, metric: 0, type: 'unicast' })
  t.match(routes.find((r) => r.dst === '100.64.0.0/10'), { dev: 'tun0' })
  t.match(routes.find((r) => r.dst === '192.168.50.0/24'), { gw: '10.0.0.1', mtu: null },
    'the `mtu 1400` attribute is not visible here')
  t.notOk('advmss' in routes.find((r) => r.dst === '192.168.50.0/24')!)
  t.match(routes.find((r) => r.dst === '198.51.100.0/24'), { type: 'unreachable', dev: null })
  t.match(routes.find((r) => r.dst === '192.0.2.128/25'), { type: 'unreachable', dev: null },
    'prohibit and unreachable both show as RTF_REJECT')
})

t.test('/proc/net/route: the MTU column is advmss + 40, byte order, blackhole', async (t) => {
  const text = [
    'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
    // recorded: `ip route add 192.168.60.0/24 via 10.0.0.1 dev veth0 onlink mtu 1400 advmss 1360`
    'veth0\t003CA8C0\t0100000A\t0003\t0\t0\t0\t00FFFFFF\t1400\t0\t0',
    '*\t0071CBCB\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
    'eth0\t0000000A\t00000000\t0001\t0\t0\tnot-a-metric\tzzzz\t0\t0\t0',
  ].join('\n')
  const routes = parseProcNetRoute(text, LE)
  t.equal(routes.length, 2, 'the malformed line is skipped')
  t.match(routes[0], { dst: '192.168.60.0/24', gw: '10.0.0.1', mtu: null, advmss: 1360 })
  t.match(routes[1], { dst: '203.203.113.0/24', dev: null, type: 'blackhole' })
  const be = parseProcNetRoute('eth0\t0A000000\t0A000001\t0003\t0\t0\t5\tFFFFFF00\t0\t0\t0', false)
  t.match(be, [{ dst: '10.0.0.0/24', gw: '10.0.0.1', metric: 5 }], 'big-endian hosts print network order')
})

t.test('/proc/net/ipv6_route as recorded', async (t) => {
  const routes = parseProcNetIpv6Route(fixtureText('proc-net-ipv6_route.txt'))
  t.notOk(routes.some((r) => r.dev === 'lo' && r.metric === 0xffffffff), 'per-table null entries are not routes')
  t.same(routes.filter((r) => r.dst === 'default').map((r) => [r.metric, r.dev, r.gw, r.table]), [
    [1024, 'tun0', null, null],
    [512, 'tun0', null, null],
    [1024, 'veth0', 'fd00:1::1', null],
    [2048, 'veth0', 'fd00:1::1', null],
    [2048, 'veth0', 'fd00:1::fe', null],
  ], 'table 52\'s default is listed too and cannot be told from main\'s; multipath hops are separate lines')
  t.match(routes.find((r) => r.dst === '2001:db8:50::/48'), { gw: 'fd00:1::1', metric: 1024, mtu: null })
  t.match(routes.find((r) => r.dst === 'fd00:64::7/128' && r.type === 'unicast'), { dev: 'tun0', metric: 256 })
  t.match(routes.find((r) => r.dst === 'fd00:1::2/128'), { type: 'local', table: 'local', metric: 0 })
  t.ok(routes.some((r) => r.dst === 'ff00::/8' && r.type === 'multicast' && r.table === 'local'))
})

t.test('/proc/net/ipv6_route: reject routes and cache clones', async (t) => {
  const text = [
    '20010db8000000000000000000000000 20 00000000000000000000000000000000 00 00000000000000000000000000000000 00000400 00000001 00000000 00200200       lo',
    '20010db8000100000000000000000001 80 00000000000000000000000000000000 00 fd000001000000000000000000000001 00000000 00000001 00000000 01000003    veth0',
    'garbage',
  ].join('\n')
  const routes = parseProcNetIpv6Route(text)
  t.same(routes.map((r) => [r.dst, r.type, r.dev]), [['2001:db8::/32', 'unreachable', null]])
})

t.test('hexToIpv6 writes RFC 5952 text', async (t) => {
  t.equal(hexToIpv6('00000000000000000000000000000000'), '::')
  t.equal(hexToIpv6('00000000000000000000000000000001'), '::1')
  t.equal(hexToIpv6('fe800000000000000000000000000001'), 'fe80::1')
  t.equal(hexToIpv6('20010db8000000010000000000000001'), '2001:db8:0:1::1')
  t.equal(hexToIpv6('20010db8000000010001000100010001'), '2001:db8:0:1:1:1:1:1', 'a single zero group is not compressed')
  t.equal(hexToIpv6('20010db8000000000001000000000000'), '2001:db8:0:0:1::', 'the longest run')
  t.equal(hexToIpv6('20010db8000000000001000000000001'), '2001:db8::1:0:0:1', 'the first of equally long runs')
  t.equal(hexToIpv6('xyz'), null)
})

t.test('readProcRoutes: from files, and an unreadable file named', async (t) => {
  const dir = t.testdir({ route: fixtureText('proc-net-route.txt') })
  const four = await readProcRoutes(4, dir)
  t.same(four.errors, [])
  t.ok(four.routes.length > 5)
  const six = await readProcRoutes(6, dir)
  t.same(six.routes, [])
  t.match(six.errors, [`cannot read ${join(dir, 'ipv6_route')}: ENOENT`])
})
