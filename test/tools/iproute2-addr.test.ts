import t from 'tap'
import { parseIpAddrJson, parseIpLinkKinds, readIpAddrs } from '../../src/tools/iproute2.js'
import { BUSYBOX_IP_NO_JSON, fixtureJson, fixtureText, ok, replayRunner } from '../fixtures/read/fake-machine.js'

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
