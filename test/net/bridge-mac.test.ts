import t from 'tap'
import { bridgePorts, stableBridgeMac } from '../../src/net/bridge-mac.js'

t.test('a stable, locally administered unicast MAC from the name, avoiding taken ones', async (t) => {
  const mac = stableBridgeMac('br-ci', [])
  t.match(mac, /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/)
  t.equal(parseInt(mac.slice(0, 2), 16) & 0x03, 0x02, 'locally administered, unicast')
  t.equal(stableBridgeMac('br-ci', []), mac, 'the same on every run')
  t.not(stableBridgeMac('br-other', []), mac)
  const next = stableBridgeMac('br-ci', [mac.toUpperCase()])
  t.not(next, mac, 'a taken MAC (any case) is skipped')
})

t.test('bridgePorts: the links whose master is the bridge', async (t) => {
  const links = [{ name: 'br0', mtu: 1500, mac: null, type: 'bridge' as const, up: true }, { name: 'veth1', mtu: 1500, mac: null, type: 'veth' as const, up: true, master: 'br0' }]
  t.same(bridgePorts(links, 'br0').map((l) => l.name), ['veth1'])
  t.same(bridgePorts(links, 'br1'), [])
})
