import t from 'tap'
import { asLinkType } from '../../src/net/link-types.js'
import { withIpFacts } from '../../src/read/machine-state.js'

t.test('a driver kind we list is kept; any other reads as "other"', async (t) => {
  for (const k of ['veth', 'bridge', 'macvlan', 'wireguard', 'geneve', 'loopback']) t.equal(asLinkType(k), k)
  t.equal(asLinkType('batadv'), 'other')
  t.equal(asLinkType(''), 'other')
  t.match(withIpFacts([{ name: 'bat0', mtu: 1500, mac: null, type: 'ether', up: true }], null, new Map([['bat0', 'batadv']])), [{ type: 'other' }])
})
