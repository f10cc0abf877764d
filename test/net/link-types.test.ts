import t from 'tap'
import { asLinkType } from '../../src/net/link-types.js'
import { linksFromDump } from '../../src/read/links.js'

t.test('a driver kind we list is kept; any other reads as "other"', async (t) => {
  for (const k of ['veth', 'bridge', 'macvlan', 'wireguard', 'geneve', 'loopback']) t.equal(asLinkType(k), k)
  t.equal(asLinkType('batadv'), 'other')
  t.equal(asLinkType(''), 'other')
  const bat0 = { name: 'bat0', ifindex: 7, mtu: 1500, flags: ['UP'], arphrd: 1, address: null, master: null, kind: 'batadv', peered: false, addrs: [] }
  t.match((linksFromDump([bat0], t.testdir({}))).links, [{ name: 'bat0', type: 'other' }], 'the reader types an unlisted driver kind "other"')
})
