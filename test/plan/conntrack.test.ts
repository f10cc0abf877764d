import t from 'tap'
import type { ConntrackEntry } from '../../src/model.js'
import { conntrackStep } from '../../src/plan/conntrack.js'
import { contextOf } from '../helpers/plan-context.js'
import { state } from '../helpers/state.js'

const ct = (id: string, src: string, dst: string): ConntrackEntry => ({ id, proto: 'udp', orig: { src, dst, sport: 5000, dport: 53 }, reply: { src: dst, dst: src, sport: 53, dport: 5000 } })

t.test('entries of docker addresses are deleted; the rest is kept', async (t) => {
  const out = conntrackStep(contextOf(state({ conntrack: [ct('gone', '172.17.0.5', '10.0.0.53'), ct('own', '10.0.0.5', '10.0.0.53')] })))
  t.equal(out.actions.length, 1)
  t.match(out.actions[0], { type: 'conntrack-delete', ids: ['gone'] })
  t.match((out.actions[0] as { reason: string }).reason, /^conntrack: delete 1 of 2 entries left from before this dockerd \(gone: address in docker subnet 172\.17\.0\.0\/16\); docker bridge subnets: 172\.17\.0\.0\/16 \(dockerd default\)$/)
})

t.test('nothing stale, nothing listed, or opted out', async (t) => {
  t.same(conntrackStep(contextOf(state({ conntrack: [ct('own', '10.0.0.5', '10.0.0.53')] }))).reasons,
    ['conntrack: none of 1 entries is stale (docker bridge subnets: 172.17.0.0/16 (dockerd default))'])
  t.same(conntrackStep(contextOf(state())), { reasons: [], warnings: [], flags: [], actions: [] })
  t.same(conntrackStep(contextOf(state({ conntrack: [ct('gone', '172.17.0.5', '10.0.0.53')] }), { conntrackCleanup: false })).reasons,
    ['conntrack clean-up disabled (--autonet-no-conntrack)'])
})

t.test('an IPv6 docker subnet is named in RFC 5952 form (longest zero run compressed)', async (t) => {
  const s = state({ argv: ['--ipv6', '--fixed-cidr-v6=2001:db8:0:0:1::/80'], conntrack: [ct('v6', '2001:db8::1:0:0:7', '2001:db8:ff::1')] })
  const out = conntrackStep(contextOf(s))
  t.match((out.actions[0] as { reason: string }).reason, /v6: address in docker subnet 2001:db8:0:0:1::\/80/)
  t.match((out.actions[0] as { reason: string }).reason, /2001:db8:0:0:1::\/80 \(--fixed-cidr-v6\)/)
})
