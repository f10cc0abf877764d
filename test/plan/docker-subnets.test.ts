import t from 'tap'
import { resolveSettings } from '../../src/dockerd/settings.js'
import { formatPrefix } from '../../src/net/prefix.js'
import { dockerSubnets } from '../../src/plan/docker-subnets.js'
import { link, state } from '../helpers/state.js'

const of = (s: ReturnType<typeof state>) => dockerSubnets(s, resolveSettings(s.argv, s.daemon_json))

t.test('the default subnet, what the user configured, and idle docker bridges', async (t) => {
  const s = state({
    argv: ['--bip=10.50.0.1/24', '--default-address-pool', 'base=10.60.0.0/16,size=24'],
    daemon_json: { 'fixed-cidr-v6': 'fd00:1::/64' },
    links: [...state().links, link('br-0123456789ab', 1500, { type: 'bridge', addrs: ['172.20.0.1/16', 'fe80::1/64'] })],
  })
  const d = of(s)
  t.same(d.prefixes.map(formatPrefix), ['172.20.0.0/16', '172.17.0.0/16', '10.50.0.0/24', 'fd00:1::/64', '10.60.0.0/16'])
  t.match(d.reason, /^docker bridge subnets: 172\.20\.0\.0\/16 \(br-0123456789ab\), 172\.17\.0\.0\/16 \(dockerd default\), 10\.50\.0\.0\/24 \(--bip\)/)
})

t.test("a range the pod's own link holds, or a bridge with ports, is not stale", async (t) => {
  const s = state({ links: [link('eth0', 1450, { addrs: ['172.17.0.3/16'] }), link('docker0', 1500, { type: 'bridge', addrs: ['172.18.0.1/16'] }), link('veth1', 1500, { master: 'docker0' })] })
  const d = of(s)
  t.same(d.prefixes, [])
  t.equal(d.reason, 'docker bridge subnets: none; not stale: 172.17.0.0/16 (overlaps eth0 172.17.0.3/16)')
})
