import t from 'tap'
import { join } from 'node:path'
import { ARPHRD } from '../../src/net/kernel.js'
import { carrierOf, devtypeOf, linkTypeOf, macOf, readSysfsLinks } from '../../src/read/sysfs-links.js'
import {
  sysfsDump, sysfsSpec,
} from '../helpers/fake-machine.js'

const dump = sysfsDump()

t.test('readSysfsLinks on the recorded namespace', async (t) => {
  const root = t.testdir(sysfsSpec(dump, t.fixture))
  const { links, errors } = await readSysfsLinks(root)
  t.same(errors, [])
  t.same(links.map((l) => l.name), ['lo', 'veth1', 'veth0', 'br0', 'vx0', 'tun0'], 'sorted by ifindex')
  const by = Object.fromEntries(links.map((l) => [l.name, l]))

  t.match(by.lo, { type: 'loopback', mtu: 65536, mac: '00:00:00:00:00:00', up: true })
  t.same(by.veth0, {
    name: 'veth0', mtu: 1450, mac: dump.veth0.address, type: 'veth', up: true, carrier: true,
    master: null,
  }, 'veth: no DEVTYPE, iflink (peer) != ifindex; addr_assign_type is read for bridges only')
  t.match(by.veth1, { type: 'veth', master: 'br0', mtu: 1500 }, 'bridge port: master from the symlink')
  t.match(by.br0, { type: 'bridge', mac: dump.br0.address, addr_assign_type: 1 })
  t.equal(by.br0.mac, by.veth1.mac, 'the bridge took its port\'s MAC (what pin-bridge-mac is about)')
  t.match(by.vx0, { type: 'vxlan', up: false, mtu: 1200 }, 'the down link with a small MTU')
  t.notOk('carrier' in by.vx0, 'carrier omitted: the kernel answers EINVAL for a down link')
  t.same(by.tun0, {
    name: 'tun0', mtu: 1280, mac: null, type: 'tun', up: true, carrier: false, master: null,
  }, 'L3 tunnel: no MAC, up without carrier')
})

t.test('an interface whose files vanish mid-read is skipped with a note', async (t) => {
  const spec = sysfsSpec(dump, t.fixture)
  delete spec.veth0.mtu
  spec.ghost = t.fixture('symlink', '../devices/virtual/net/ghost')
  const root = t.testdir(spec)
  const { links, errors } = await readSysfsLinks(root)
  t.notOk(links.some((l) => l.name === 'veth0' || l.name === 'ghost'))
  t.equal(links.length, 5, 'the other links are still read')
  t.equal(errors.length, 2)
  t.match(errors.find((e) => e.includes('veth0')), /^link veth0: vanished while being read \(ENOENT on .*veth0\/mtu\); skipped$/)
  t.match(errors.find((e) => e.includes('ghost')), /^link ghost: vanished/)
})

t.test('entries that are not interfaces are ignored', async (t) => {
  const spec = sysfsSpec(dump, t.fixture)
  spec.bonding_masters = '\n'
  const { links, errors } = await readSysfsLinks(t.testdir(spec))
  t.same(errors, [])
  t.equal(links.length, 6)
})

t.test('an absurd MTU leaves the link out, naming it and the value', async (t) => {
  for (const [value, what] of [['abc', 'not a number'], ['40', 'below 68'], ['70000', 'above 65536'], ['1500.5', 'fractional']]) {
    const spec = sysfsSpec(dump, t.fixture)
    spec.veth0.mtu = `${value}\n`
    const root = t.testdir(spec)
    const { links, errors } = await readSysfsLinks(root)
    t.notOk(links.some((l) => l.name === 'veth0'), `${what}: link left out`)
    t.equal(errors.length, 1)
    t.equal(errors[0], `link veth0: mtu "${value}" in ${join(root, 'veth0', 'mtu')} is not an integer in 68..65536; link left out`)
  }
})

t.test('boundary MTUs are kept', async (t) => {
  const spec = sysfsSpec(dump, t.fixture)
  spec.veth0.mtu = '68\n'
  spec.veth1.mtu = '65536\n'
  const { links, errors } = await readSysfsLinks(t.testdir(spec))
  t.same(errors, [])
  t.equal(links.find((l) => l.name === 'veth0')?.mtu, 68)
  t.equal(links.find((l) => l.name === 'veth1')?.mtu, 65536)
})

t.test('unreadable sysfs root: no links, one error naming the path', async (t) => {
  const root = join(t.testdir({}), 'no-such-dir')
  const { links, errors } = await readSysfsLinks(root)
  t.same(links, [])
  t.equal(errors.length, 1)
  t.match(errors[0], `cannot list network interfaces in ${root}: ENOENT`)
})

t.test('linkTypeOf', async (t) => {
  const base = { arphrd: ARPHRD.ETHER, devtype: null, isBridge: false, isBond: false, isTun: false, ifindex: 4, iflink: 4 }
  t.equal(linkTypeOf(base), 'ether', 'physical NIC: no DEVTYPE, iflink == ifindex')
  t.equal(linkTypeOf({ ...base, iflink: 61 }), 'veth', 'eth0@if61 of a container')
  t.equal(linkTypeOf({ ...base, arphrd: ARPHRD.IPIP }), 'ipip')
  t.equal(linkTypeOf({ ...base, arphrd: ARPHRD.SIT }), 'sit')
  t.equal(linkTypeOf({ ...base, arphrd: ARPHRD.IPGRE }), 'gre')
  t.equal(linkTypeOf({ ...base, arphrd: ARPHRD.LOOPBACK }), 'loopback')
  t.equal(linkTypeOf({ ...base, arphrd: ARPHRD.NONE, devtype: 'wireguard' }), 'wireguard')
  t.equal(linkTypeOf({ ...base, arphrd: ARPHRD.NONE, isTun: true }), 'tun')
  t.equal(linkTypeOf({ ...base, arphrd: ARPHRD.NONE }), 'other')
  t.equal(linkTypeOf({ ...base, devtype: 'vlan', iflink: 2 }), 'vlan', 'DEVTYPE beats the veth guess')
  t.equal(linkTypeOf({ ...base, isBridge: true }), 'bridge', 'bridge/ directory without uevent')
  t.equal(linkTypeOf({ ...base, isBond: true }), 'bond')
})

t.test('macOf, carrierOf, devtypeOf', async (t) => {
  t.equal(macOf(ARPHRD.ETHER, 'C2:74:40:C1:CD:92\n'), 'c2:74:40:c1:cd:92', 'lower-cased')
  t.equal(macOf(ARPHRD.IPIP, '0a:00:00:02'), null, 'an ipip "address" is an IPv4, not a MAC')
  t.equal(macOf(ARPHRD.NONE, ''), null, 'tun/wireguard have none')
  t.equal(macOf(ARPHRD.ETHER, null), null)
  t.equal(carrierOf('1'), true)
  t.equal(carrierOf('0'), false)
  t.equal(carrierOf(null), undefined)
  t.equal(devtypeOf('DEVTYPE=bridge\nINTERFACE=br0\nIFINDEX=4\n'), 'bridge')
  t.equal(devtypeOf('INTERFACE=veth0\nIFINDEX=3\n'), null)
})

t.test('many links under a low descriptor limit: every attribute is still read', async (t) => {
  // Reading all links' files at once used to open ~9 descriptors per link together; beyond the
  // limit the optional reads failed with EMFILE and links silently lost their MAC and kind.
  const spec: Record<string, any> = {}
  for (let i = 0; i < 150; i++) {
    spec[`v${i}`] = { type: '1\n', mtu: '1500\n', flags: '0x1002\n', address: `02:00:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}\n`, ifindex: `${i + 2}\n`, iflink: `${i + 3}\n`, uevent: `INTERFACE=v${i}\n` }
  }
  const root = t.testdir(spec)
  const module = new URL('../../dist/read/sysfs-links.js', import.meta.url).href
  const script = `import(${JSON.stringify(module)}).then(async (m) => { const r = await m.readSysfsLinks(${JSON.stringify(root)}); console.log(JSON.stringify(r)) })`
  const { execFileSync } = await import('node:child_process')
  const out = execFileSync('sh', ['-c', 'ulimit -n 128 && exec "$0" --input-type=module -e "$1"', process.execPath, script], { encoding: 'utf8', timeout: 30_000 })
  const { links, errors } = JSON.parse(out)
  t.same(errors, [])
  t.equal(links.length, 150)
  t.same(links.filter((l: any) => l.type !== 'veth' || l.mac === null).map((l: any) => l.name), [], 'every link keeps its MAC and kind')
})
