import t from 'tap'
import { join } from 'node:path'
import { linksFromDump, readLinks } from '../../src/read/links.js'
import { readSysfsLinks } from '../../src/read/sysfs-links.js'
import { parseIpAddrJson, parseIpLinkJson } from '../../src/tools/iproute2.js'
import {
  BUSYBOX_IP_NO_JSON, fixtureJson, fixtureText, ok, replayRunner, sysfsDump, sysfsSpec,
} from '../helpers/fake-machine.js'

const DUMP = 'ip -j -d addr show'

t.test('the netlink dump and sysfs give identical Links for the recorded namespace', async (t) => {
  const sys = t.testdir(sysfsSpec(sysfsDump(), t.fixture))
  const fromSysfs = await readSysfsLinks(sys)
  const fromIp = await readLinks(replayRunner({ [DUMP]: ok(fixtureText('ip-addr.json')) }), sys)
  t.same(fromSysfs.errors, [])
  t.same(fromIp.errors, [])
  const withoutAddrs = fromIp.links.map(({ addrs: _addrs, ...l }) => l)
  t.equal(JSON.stringify(withoutAddrs), JSON.stringify(fromSysfs.links), 'same fields, same values, same order')
  const addrs = parseIpAddrJson(fixtureJson('ip-addr.json'))
  t.same(fromIp.links.map((l) => [l.name, l.addrs]), [...addrs], 'addresses from the same dump')
  t.match(fromIp.links.find((l) => l.name === 'veth0')?.addrs, ['10.0.0.2/24', 'fd00:1::2/64', /^fe80::/])
})

t.test('with the dump, sysfs is asked only for a bridge\'s addr_assign_type', async (t) => {
  // Nothing else exists under this sysfs: every other fact must come from the dump.
  const sys = t.testdir({ br0: { addr_assign_type: '3\n' } })
  const { links, errors } = await readLinks(replayRunner({ [DUMP]: ok(fixtureText('ip-addr.json')) }), sys)
  t.same(errors, [])
  t.same(links.map((l) => l.name), ['lo', 'veth1', 'veth0', 'br0', 'vx0', 'tun0'])
  const by = Object.fromEntries(links.map((l) => [l.name, l]))
  const noAddrs = ({ addrs: _a, ...l }: any) => l
  t.same(noAddrs(by.br0), { name: 'br0', mtu: 1500, mac: 'b2:6a:af:22:62:51', type: 'bridge', up: true, master: null, carrier: true, addr_assign_type: 3 })
  t.same(noAddrs(by.tun0), { name: 'tun0', mtu: 1280, mac: null, type: 'tun', up: true, master: null, carrier: false })
  t.same(noAddrs(by.vx0), { name: 'vx0', mtu: 1200, mac: 'c2:af:71:4d:1c:f5', type: 'vxlan', up: false, master: null }, 'down: no carrier key, as sysfs answers EINVAL')
  t.same(by.tun0.addrs, ['100.64.0.7/32', 'fd00:64::7/128'])
  t.match(by.veth1, { type: 'veth', master: 'br0', carrier: true })
  t.notOk('addr_assign_type' in by.veth0, 'only bridges carry addr_assign_type')
})

t.test('a link without a driver kind is typed as sysfs would: DEVTYPE, peer, or ether', async (t) => {
  const nic = (name: string, ifindex: number, extra: object = {}) => ({
    ifindex, ifname: name, flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], mtu: 1500, link_type: 'ether', address: '02:00:00:00:00:0' + ifindex, addr_info: [], ...extra,
  })
  const json = [nic('eth0', 2), nic('wlan0', 3), nic('eth1', 4, { link_index: 9, link_netnsid: 0 }), { ifindex: 5, ifname: 'ib0', flags: ['UP'], mtu: 2044, link_type: 'infiniband', address: '80:00' }]
  const sys = t.testdir({ wlan0: { uevent: 'DEVTYPE=wlan\nINTERFACE=wlan0\n' } })
  const { links, errors } = linksFromDump(parseIpLinkJson(json), sys)
  t.same(errors, [])
  t.same(links.map((l) => [l.name, l.type, l.mac]), [
    ['eth0', 'ether', '02:00:00:00:00:02'], ['wlan0', 'wlan', '02:00:00:00:00:03'], ['eth1', 'veth', '02:00:00:00:00:04'], ['ib0', 'other', null],
  ])
})

t.test('an absurd MTU in the dump leaves the link out, naming it and the value', async (t) => {
  const json = fixtureJson('ip-addr.json')
  json.find((e: any) => e.ifname === 'veth0').mtu = 40
  delete json.find((e: any) => e.ifname === 'tun0').mtu
  const { links, errors } = await readLinks(replayRunner({ [DUMP]: ok(JSON.stringify(json)) }), t.testdir({}))
  t.same(links.map((l) => l.name), ['lo', 'veth1', 'br0', 'vx0'])
  t.same(errors, [
    'links: link veth0: mtu 40 in `ip -j -d addr show` is not an integer in 68..65536; link left out',
    'links: link tun0: mtu null in `ip -j -d addr show` is not an integer in 68..65536; link left out',
  ])
})

t.test('no JSON from ip (busybox, missing, garbage): sysfs whole, addresses unknown', async (t) => {
  const sys = t.testdir(sysfsSpec(sysfsDump(), t.fixture))
  const expected = (await readSysfsLinks(sys)).links
  for (const [what, run, err] of [
    ['busybox', replayRunner({ [DUMP]: BUSYBOX_IP_NO_JSON }), /^addrs: `ip -j -d addr show` failed \(exit 1: BusyBox v1\.35\.0.*\); link addresses unknown$/],
    ['missing', replayRunner({}), /^addrs: `ip -j -d addr show` could not be run .*; link addresses unknown$/],
    ['not JSON', replayRunner({ [DUMP]: ok('1: lo: <LOOPBACK,UP>') }), /^addrs: output of `ip -j -d addr show` is not JSON .*; link addresses unknown$/],
  ] as const) {
    const { links, errors } = await readLinks(run, sys)
    t.same(links, expected, `${what}: the sysfs links`)
    t.equal(errors.length, 1)
    t.match(errors[0], err, what)
  }
  const { errors } = await readLinks(replayRunner({}), join(sys, 'none'))
  t.match(errors, [/^links: cannot list network interfaces in /, /^addrs: /], 'both failures, links first')
})
