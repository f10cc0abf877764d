import t from 'tap'
import type { Route } from '../../src/model.js'
import { parseIpAddrJson, parseIpLinkKinds, parseIpRouteJson, parseIpRuleJson, readIpAddrs } from '../../src/tools/iproute2.js'
import { BUSYBOX_IP_NO_JSON, fixtureJson, fixtureText, ok, replayRunner } from '../helpers/fake-machine.js'

const routes4 = parseIpRouteJson(fixtureJson('ip-route4.json'), 4)
const routes6 = parseIpRouteJson(fixtureJson('ip-route6.json'), 6)
const main = (rs: Route[]) => rs.filter((r) => r.table === 'main')
const defaults = (rs: Route[]) => main(rs).filter((r) => r.dst === 'default')

t.test('iproute2 6.1 JSON key names, as recorded', async (t) => {
  // These pin the facts the parsers rely on; if a new iproute2 changes them, this says where.
  const raw4 = fixtureJson('ip-route4.json')
  t.same(raw4.find((r: any) => r.dst === '192.168.50.0/24').metrics, [{ mtu: 1400 }], 'route mtu is inside a "metrics" array')
  const mp = raw4.find((r: any) => r.dst === 'default' && r.metric === 300)
  t.notOk('dev' in mp, 'a multipath route has no top-level dev')
  t.same(mp.nexthops, [
    { gateway: '10.0.0.1', dev: 'veth0', weight: 1, flags: [] },
    { gateway: '10.1.0.254', dev: 'br0', weight: 2, flags: [] },
  ])
  t.notOk('metric' in raw4.find((r: any) => r.dst === '10.0.0.0/24'), 'a zero IPv4 metric is omitted')
  t.notOk('table' in raw4.find((r: any) => r.dst === '10.0.0.0/24'), 'the main table is omitted')
  const rules = fixtureJson('ip-rule4.json')
  t.same(rules.find((r: any) => r.priority === 32764), { priority: 32764, src: 'all', table: 'main', suppress_prefixlen: 0 },
    'the key is suppress_prefixlen (the CLI keyword is suppress_prefixlength)')
  t.equal(rules.find((r: any) => r.priority === 32765).not, null, '"not" is a key with a null value')
  t.equal(rules.find((r: any) => r.priority === 5250).action, 'unreachable')
  t.same(rules.find((r: any) => r.priority === 5300), { priority: 5300, src: '10.0.0.0', srclen: 24, table: '100' })
})

t.test('IPv4: two main defaults with metrics 100 and 200, multipath at 300', async (t) => {
  t.same(defaults(routes4).map((r) => [r.metric, r.dev, r.gw]), [
    [100, 'veth0', '10.0.0.1'],
    [200, 'br0', '10.1.0.254'],
    [300, null, null],
  ])
  t.same(defaults(routes4)[2].nexthops, [
    { dev: 'veth0', gw: '10.0.0.1', weight: 1 },
    { dev: 'br0', gw: '10.1.0.254', weight: 2 },
  ])
  t.match(defaults(routes4)[0], { table: 'main', type: 'unicast', scope: 'global', linkdown: false, protocol: 'boot', mtu: null })
})

t.test('IPv4: route mtu 1400 is on 192.168.50.0/24 and nowhere else', async (t) => {
  const withMtu = routes4.filter((r) => r.mtu !== null)
  t.same(withMtu.map((r) => [r.dst, r.mtu, r.gw, r.dev]), [['192.168.50.0/24', 1400, '10.0.0.1', 'veth0']])
})

t.test('IPv4: tables, types, linkdown, scope, protocol', async (t) => {
  const find = (dst: string, table = 'main') => routes4.find((r) => r.dst === dst && r.table === table)
  t.match(find('default', '52'), { dev: 'tun0', gw: null, metric: 0, linkdown: true, scope: 'link' }, 'tailscale-like table 52 default over a tunnel without carrier')
  t.match(find('100.64.0.0/10'), { dev: 'tun0', linkdown: true })
  t.match(find('10.0.0.0/8', '100'), { protocol: 'static', gw: '10.0.0.1' })
  t.match(find('203.0.113.0/24', '100'), { type: 'blackhole', dev: null })
  t.match(find('198.51.100.0/24'), { type: 'unreachable', dev: null })
  t.match(find('192.0.2.128/25'), { type: 'prohibit' })
  t.match(find('10.0.0.0/24'), { scope: 'link', protocol: 'kernel', prefsrc: '10.0.0.2', metric: 0 })
  t.match(find('10.0.0.2/32', 'local'), { type: 'local', scope: 'host' }, 'host routes get /32')
  t.match(find('127.255.255.255/32', 'local'), { type: 'broadcast' })
  t.notOk(routes4.some((r) => r.dst.includes(':')), 'no IPv6 route')
})

t.test('IPv6: default via the tunnel without gateway, via gateway, multipath, route mtu', async (t) => {
  t.same(defaults(routes6).map((r) => [r.metric, r.dev, r.gw, r.linkdown]), [
    [512, 'tun0', null, true],
    [1024, 'veth0', 'fd00:1::1', false],
    [2048, null, null, false],
  ])
  t.same(defaults(routes6)[2].nexthops, [
    { dev: 'veth0', gw: 'fd00:1::1', weight: 1 },
    { dev: 'veth0', gw: 'fd00:1::fe', weight: 3 },
  ])
  t.same(routes6.filter((r) => r.mtu !== null).map((r) => [r.dst, r.mtu]), [['2001:db8:50::/48', 1380]])
  t.match(routes6.find((r) => r.dst === 'default' && r.table === '52'), { dev: 'tun0', metric: 1024 })
  t.ok(routes6.some((r) => r.dst === 'fd00:64::7/128'), 'host routes get /128')
  t.ok(routes6.some((r) => r.type === 'multicast' && r.dst === 'ff00::/8' && r.table === 'local'))
})

t.test('family filter, RTA_VIA gateways, malformed entries', async (t) => {
  const mixed = [...fixtureJson('ip-route4.json'), ...fixtureJson('ip-route6.json')]
  const only4 = parseIpRouteJson(mixed, 4)
  t.notOk(only4.some((r) => r.dst.includes(':') || (r.gw ?? '').includes(':')), 'routes naming IPv6 addresses are dropped')
  t.ok(only4.length >= routes4.length, 'every IPv4 route is kept')

  const via = parseIpRouteJson([{ dst: '10.5.0.0/16', via: { family: 'inet6', host: 'fe80::1' }, dev: 'veth0', flags: [] }], 4)
  t.match(via, [{ dst: '10.5.0.0/16', gw: 'fe80::1', dev: 'veth0' }], 'an IPv4 route via an IPv6 next hop stays IPv4')

  const errors: string[] = []
  t.same(parseIpRouteJson([{ dev: 'eth0' }, { dst: 'default', dev: 'eth0', flags: [] }], 4, errors).map((r) => r.dst), ['default'])
  t.match(errors, [/^route entry 0: no dst/])
  t.throws(() => parseIpRouteJson({}, 4), TypeError)
})

t.test('rules: IPv4 as recorded', async (t) => {
  const rules = parseIpRuleJson(fixtureJson('ip-rule4.json'))
  const at = (p: number) => rules.find((r) => r.priority === p)
  t.same(rules.map((r) => r.priority), [0, 5210, 5250, 5270, 5300, 5310, 5320, 5330, 5340, 32764, 32765, 32766, 32767])
  t.same(at(0), { priority: 0, src: 'all', table: 'local' })
  t.same(at(5210), { priority: 5210, src: 'all', fwmark: '0x80000', fwmask: '0xff0000', table: 'main' })
  t.same(at(5250), { priority: 5250, src: 'all', fwmark: '0x80000', fwmask: '0xff0000', action: 'unreachable' })
  t.same(at(5270), { priority: 5270, src: 'all', table: '52' })
  t.same(at(5300), { priority: 5300, src: '10.0.0.0/24', table: '100' }, 'srclen folded into a CIDR')
  t.same(at(5310), { priority: 5310, src: 'all', dst: '192.168.0.0/16', iif: 'br0', action: 'blackhole' })
  t.same(at(5320), { priority: 5320, src: 'all', oif: 'veth0', action: 'prohibit' })
  t.same(at(5330), { priority: 5330, src: '10.9.0.0/16', action: 'goto', goto: 5400, unresolved: true })
  t.same(at(5340), { priority: 5340, src: 'all', action: 'nop' })
  t.same(at(32764), { priority: 32764, src: 'all', table: 'main', suppress_prefixlen: 0 })
  t.same(at(32765), { priority: 32765, src: 'all', not: true, fwmark: '0xca6c', table: '51820' }, 'wg-quick rule; full mask means no fwmask')
})

t.test('rules: IPv6 as recorded, malformed entries', async (t) => {
  const rules = parseIpRuleJson(fixtureJson('ip-rule6.json'))
  t.same(rules.map((r) => r.priority), [0, 5250, 5300, 32764, 32765, 32766])
  t.same(rules.find((r) => r.priority === 5300), { priority: 5300, src: 'fd00:1::/64', table: '100' })
  t.notOk(rules.some((r) => r.priority === 32767), 'IPv6 has no "default" table rule')
  const errors: string[] = []
  t.same(parseIpRuleJson([{ src: 'all' }], errors), [])
  t.match(errors, [/^rule entry 0: no priority/])
  t.throws(() => parseIpRuleJson('nope'), TypeError)
})


t.test('parseIpAddrJson on recorded `ip -j -d addr show`', async (t) => {
  const addrs = parseIpAddrJson(fixtureJson('ip-addr.json'))
  t.same(addrs.get('lo'), ['127.0.0.1/8', '::1/128'])
  t.same(addrs.get('veth0')?.slice(0, 2), ['10.0.0.2/24', 'fd00:1::2/64'])
  t.match(addrs.get('veth0')?.[2], /^fe80::.*\/64$/)
  t.same(addrs.get('tun0'), ['100.64.0.7/32', 'fd00:64::7/128'])
  t.same(addrs.get('vx0'), ['10.2.0.1/24'], 'addresses of a down link are listed too')
  t.throws(() => parseIpAddrJson({ not: 'an array' }), TypeError)
})

t.test('parseIpLinkKinds: linkinfo.info_kind per link', async (t) => {
  const kinds = parseIpLinkKinds(fixtureJson('ip-addr.json'))
  t.same(Object.fromEntries(kinds), { veth1: 'veth', veth0: 'veth', br0: 'bridge', vx0: 'vxlan', tun0: 'tun' })
  t.notOk(kinds.has('lo'), 'loopback has no linkinfo')
})

t.test('readIpAddrs', async (t) => {
  const good = await readIpAddrs(replayRunner({ 'ip -j -d addr show': ok(fixtureText('ip-addr.json')) }))
  t.same(good.errors, [])
  t.same(good.addrs?.get('br0'), ['10.1.0.1/24', good.addrs?.get('br0')?.[1]])
  t.equal(good.kinds?.get('vx0'), 'vxlan')

  const busybox = await readIpAddrs(replayRunner({ 'ip -j -d addr show': BUSYBOX_IP_NO_JSON }))
  t.equal(busybox.addrs, null)
  t.equal(busybox.kinds, null)
  t.match(busybox.errors, [/^addrs: `ip -j -d addr show` failed \(exit 1: BusyBox .*\); link addresses unknown$/])

  const missing = await readIpAddrs(replayRunner({}))
  t.match(missing.errors, [/could not be run/])

  const notJson = await readIpAddrs(replayRunner({ 'ip -j -d addr show': ok('1: lo: <LOOPBACK,UP>') }))
  t.match(notJson.errors, [/is not JSON/])
})
