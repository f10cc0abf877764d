import t from 'tap'
import type { Rule } from '../../src/model.js'
import { hasDefaultLikeRoute, resolveEgress } from '../../src/plan/egress.js'
import { link, route } from '../helpers/state.js'

const packet = { src: '172.17.0.2', fwmark: 0, iif: 'docker0' }
const eth0 = link('eth0', 1500)
const wg0 = link('wg0', 1420, { type: 'wireguard', mac: null })

t.test('lowest metric wins among default routes', async (t) => {
  const r = resolveEgress(4, undefined, [route('default', 'eth0', { metric: 200 }), route('default', 'wg0', { metric: 100 })], [eth0, wg0], packet)
  t.ok(r.found)
  if (r.found) t.same(r.hops.map((h) => [h.dev, h.mtuBytes]), [['wg0', 1420]])
})

t.test('a default route over a down link is passed over, whatever its MTU', async (t) => {
  const down = link('eth1', 1280, { up: false })
  const r = resolveEgress(4, undefined, [route('default', 'eth1', { metric: 10 }), route('default', 'eth0', { metric: 100 })], [eth0, down], packet)
  t.ok(r.found)
  if (r.found) t.equal(r.hops[0].dev, 'eth0')
})

t.test("a route's own mtu beats the device MTU", async (t) => {
  const r = resolveEgress(4, undefined, [route('default', 'eth0', { mtu: 1400 })], [eth0], packet)
  t.ok(r.found)
  if (r.found) t.same([r.hops[0].mtuBytes, r.hops[0].mtuSource], [1400, 'route'])
})

t.test('multipath: every next hop counts', async (t) => {
  const eth1 = link('eth1', 1450)
  const r = resolveEgress(4, undefined, [route('default', null, { nexthops: [{ dev: 'eth0', gw: '10.0.0.1' }, { dev: 'eth1', gw: '10.0.1.1' }] })], [eth0, eth1], packet)
  t.ok(r.found)
  if (r.found) t.same(r.hops.map((h) => h.mtuBytes), [1500, 1450])
})

t.test('wg-quick: "not fwmark" sends unmarked traffic to its table; suppress_prefixlength 0 skips main\'s default', async (t) => {
  const rules: Rule[] = [
    { priority: 0, src: 'all', table: 'local' },
    { priority: 32764, src: 'all', table: 'main', suppress_prefixlen: 0 },
    { priority: 32765, src: 'all', not: true, fwmark: '0xca6c', table: '51820' },
    { priority: 32766, src: 'all', table: 'main' },
  ]
  const routes = [route('default', 'eth0', { gw: '10.0.0.1' }), route('default', 'wg0', { table: '51820' })]
  const r = resolveEgress(4, rules, routes, [eth0, wg0], packet)
  t.ok(r.found)
  if (r.found) { t.equal(r.hops[0].dev, 'wg0'); t.equal(r.table, '51820'); t.match(r.reason, /suppress/) }
})

t.test('traffic marked for the tunnel itself is not container traffic: fwmark rules do not match mark 0', async (t) => {
  const rules: Rule[] = [
    { priority: 100, src: 'all', fwmark: '0x1', table: '100' },
    { priority: 32766, src: 'all', table: 'main' },
  ]
  const r = resolveEgress(4, rules, [route('default', 'eth0'), route('default', 'wg0', { table: '100' })], [eth0, wg0], packet)
  t.ok(r.found)
  if (r.found) t.equal(r.hops[0].dev, 'eth0')
})

t.test('an unreachable rule ends the lookup with no egress', async (t) => {
  const rules: Rule[] = [{ priority: 10, src: 'all', action: 'unreachable' }, { priority: 32766, src: 'all', table: 'main' }]
  const r = resolveEgress(4, rules, [route('default', 'eth0')], [eth0], packet)
  t.notOk(r.found)
  t.match(r.reason, /rule 10 \(unreachable\)/)
})

t.test('a source rule matches only the container subnet', async (t) => {
  const rules: Rule[] = [
    { priority: 100, src: '172.17.0.0/16', table: '7' },
    { priority: 101, src: '10.9.0.0/16', table: '8' },
    { priority: 32766, src: 'all', table: 'main' },
  ]
  const eth1 = link('eth1', 1400)
  const tun = link('tun8', 1300)
  const routes = [route('default', 'eth0'), route('default', 'eth1', { table: '7' }), route('default', 'tun8', { table: '8' })]
  const r = resolveEgress(4, rules, routes, [eth0, eth1, tun], packet)
  t.ok(r.found)
  if (r.found) t.equal(r.hops[0].dev, 'eth1')
})

t.test("OpenVPN's def1 halves beat the /0 default (longest prefix)", async (t) => {
  const tun0 = link('tun0', 1400, { type: 'tun', mac: null })
  const routes = [route('default', 'eth0'), route('0.0.0.0/1', 'tun0'), route('128.0.0.0/1', 'tun0')]
  const r = resolveEgress(4, undefined, routes, [eth0, tun0], packet)
  t.ok(r.found)
  if (r.found) t.equal(r.hops[0].dev, 'tun0')
})

t.test('IPv6-only: the v6 default is found; v4 reports none', async (t) => {
  const r6 = resolveEgress(6, undefined, [route('default', 'eth0', { metric: 1024, gw: 'fe80::1' })], [eth0], { ...packet, src: null })
  const r4 = resolveEgress(4, undefined, [], [eth0], packet)
  t.ok(r6.found)
  t.notOk(r4.found)
  t.match(r4.reason, /no IPv4 default route/)
})

t.test('a table with no default route falls through to the next rule', async (t) => {
  const rules: Rule[] = [{ priority: 5270, src: 'all', table: '52' }, { priority: 32766, src: 'all', table: 'main' }]
  const ts = link('tailscale0', 1280, { type: 'tun', mac: null })
  const r = resolveEgress(4, rules, [route('100.64.0.0/10', 'tailscale0', { table: '52' }), route('default', 'eth0')], [eth0, ts], packet)
  t.ok(r.found)
  if (r.found) t.equal(r.hops[0].dev, 'eth0')
})

t.test('no default-like route: the same answer whatever the rules, a terminal rule included', async (t) => {
  // The start path leaves the IPv6 rules unread on such a machine (cli/read-options.ts), so the
  // reason must not depend on them.
  const routes = [route('fe80::/64', 'eth0', { metric: 256 }), route('fe80::1/128', 'eth0', { table: 'local', type: 'local' })]
  const rules: Rule[] = [{ priority: 10, src: 'all', action: 'unreachable' }, { priority: 32766, src: 'all', table: 'main' }]
  const withRules = resolveEgress(6, rules, routes, [eth0], { ...packet, src: null })
  t.same(withRules, { found: false, family: 6, reason: 'no IPv6 default route for container traffic' })
  t.same(resolveEgress(6, undefined, routes, [eth0], { ...packet, src: null }), withRules)
})

t.test('hasDefaultLikeRoute: the routes resolveEgress would take or stop at', async (t) => {
  t.equal(hasDefaultLikeRoute(6, []), false)
  t.equal(hasDefaultLikeRoute(6, [route('fe80::/64', 'eth0'), route('::1/128', 'lo', { table: 'local', type: 'local' })]), false, 'link-local and local routes only')
  t.equal(hasDefaultLikeRoute(6, [route('::/0', 'lo', { table: 'local', type: 'local' })]), false, 'a local-type /0 is never an egress')
  t.equal(hasDefaultLikeRoute(6, [route('default', 'eth0', { table: '100' })]), true, 'in any table')
  t.equal(hasDefaultLikeRoute(6, [route('default', null, { type: 'unreachable' })]), true, 'an unreachable default stops the lookup')
  t.equal(hasDefaultLikeRoute(6, [route('8000::/1', 'tun0')]), true, 'a /1 half')
  t.equal(hasDefaultLikeRoute(4, [route('default', 'eth0')]), true)
  t.equal(hasDefaultLikeRoute(4, [route('10.0.0.0/8', 'eth0')]), false)
})
