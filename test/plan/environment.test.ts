/**
 * Where dockerd runs (rootless under rootlesskit, gVisor, Sysbox, Kata) decides which planned
 * actions are withdrawn, each with one reason line, while --mtu stays. The base machine plans
 * all three kinds of action (MSS clamp, conntrack clean-up, bridge MAC pin), so every test can
 * see what its environment takes away.
 */
import t from 'tap'
import { DEFAULT_PLAN_OPTIONS, type MachineState } from '../../src/model.js'
import { planFromState } from '../../src/plan/index.js'
import { detectRootless, withRootlessMtu } from '../../src/plan/rootless.js'
import { resolveSettings } from '../../src/dockerd/settings.js'
import { link, state } from '../helpers/state.js'

/** 20.10 (so the clamp is planned), a stale conntrack entry, a --bridge with no fixed MAC. */
function busy(extra: Partial<MachineState> = {}): MachineState {
  return state({
    dockerd_version: '20.10.24',
    argv: ['--bridge=br-ci'],
    links: [
      link('lo', 65536, { type: 'loopback', mac: '00:00:00:00:00:00' }),
      link('eth0', 1450, { type: 'veth', addrs: ['10.0.0.5/24'] }),
      link('br-ci', 1500, { type: 'bridge', addr_assign_type: 0, mac: '02:00:00:00:00:aa', addrs: ['10.99.0.1/24'] }),
    ],
    conntrack: [{ id: 'A', proto: 'icmp', orig: { src: '172.17.0.3', dst: '198.18.0.1' }, reply: { src: '198.18.0.1', dst: '172.17.0.3' } }],
    ...extra,
  })
}

const types = (p: { actions: { type: string }[] }) => p.actions.map((a) => a.type).sort()

t.test('the base machine plans all three actions (what the other tests take away)', async (t) => {
  const p = planFromState(busy())
  t.same(types(p), ['clamp-mss', 'conntrack-delete', 'pin-bridge-mac'])
  t.notMatch(p.reasons.join('\n'), /rootless|gVisor/)
})

t.test('under rootlesskit: no iptables, conntrack or bridge action, one reason each, --mtu kept', async (t) => {
  const p = planFromState(busy({ rootlesskit: { net: 'slirp4netns' }, euid: 0 }))
  t.same(p.actions, [])
  t.ok(p.args.includes('--mtu=1450'), '--mtu stays')
  const reasons = p.reasons.join('\n')
  t.match(reasons, /rootless: ROOTLESSKIT_STATE_DIR is set/)
  t.match(reasons, /rootless network driver slirp4netns \(rootlesskit's API\): user-mode TCP/)
  for (const re of [/not clamping TCP MSS/, /no conntrack clean-up/, /no bridge MAC change/]) {
    t.equal(p.reasons.filter((r) => re.test(r)).length, 1, `one reason line: ${re}`)
  }
  t.same(p.warnings, [])
})

t.test('rootless by --rootless, daemon.json, the entrypoint\'s variables, or a non-root uid', async (t) => {
  const cases: [string, Partial<MachineState>, RegExp][] = [
    ['flag', { argv: ['--bridge=br-ci', '--rootless'] }, /rootless: your --rootless/],
    ['daemon.json', { daemon_json: { rootless: true } }, /rootless: daemon\.json "rootless": true/],
    ['entrypoint env', { env: { DOCKERD_ROOTLESS_ROOTLESSKIT_NET: 'pasta' } }, /DOCKERD_ROOTLESS_ROOTLESSKIT_NET set: the rootless entrypoint's settings/],
    ['non-root uid', { euid: 1000 }, /running as uid 1000, not root/],
  ]
  for (const [name, extra, re] of cases) {
    const p = planFromState(busy(extra))
    t.same(p.actions, [], `${name}: no actions`)
    t.match(p.reasons.join('\n'), re, `${name}: says why`)
  }
})

t.test('not rootless: --rootless=false, uid 0, unrelated DOCKERD_ variables', async (t) => {
  for (const extra of [{ argv: ['--bridge=br-ci', '--rootless=false'] }, { euid: 0 }, { env: { DOCKERD_AUTONET_DEBUG: '1' } }] as Partial<MachineState>[]) {
    t.same(types(planFromState(busy(extra))), ['clamp-mss', 'conntrack-delete', 'pin-bridge-mac'], JSON.stringify(extra))
  }
})

t.test('lxc-user-nic: a warning that the black hole is back, with what to set', async (t) => {
  const p = planFromState(busy({ rootlesskit: { net: 'lxc-user-nic' } }))
  t.same(p.actions, [])
  t.equal(p.warnings.length, 1)
  t.match(p.warnings[0], /lxc-user-nic puts a real veth into a host bridge .*PMTU black hole is back.*DOCKERD_ROOTLESS_ROOTLESSKIT_MTU/)
  // The driver named by the entrypoint's variable when the API did not answer.
  t.match(planFromState(busy({ rootlesskit: { net: null }, env: { DOCKERD_ROOTLESS_ROOTLESSKIT_NET: 'lxc-user-nic' } })).warnings.join('\n'), /lxc-user-nic/)
})

t.test('driver unknown: said, no warning', async (t) => {
  const p = planFromState(busy({ rootlesskit: { net: null } }))
  t.match(p.reasons.join('\n'), /rootless network driver not known/)
  t.same(p.warnings, [])
})

t.test('rootlesskit\'s MTU bounds --mtu (DOCKERD_ROOTLESS_ROOTLESSKIT_MTU), never raises it', async (t) => {
  const low = planFromState(busy({ rootlesskit: { net: 'vpnkit' }, env: { DOCKERD_ROOTLESS_ROOTLESSKIT_MTU: '1400' } }))
  t.equal(low.mtu, 1400)
  t.ok(low.args.includes('--mtu=1400'))
  t.match(low.reasons.join('\n'), /lowered to 1400: rootlesskit's network carries at most its --mtu \(DOCKERD_ROOTLESS_ROOTLESSKIT_MTU=1400\)/)
  const high = planFromState(busy({ rootlesskit: { net: 'slirp4netns' }, env: { DOCKERD_ROOTLESS_ROOTLESSKIT_MTU: '65520' } }))
  t.equal(high.mtu, 1450, 'the egress stays the bound')
  // A value that is no MTU is not a bound.
  const settings = resolveSettings([], null)
  const r = detectRootless(state({ env: { DOCKERD_ROOTLESS_ROOTLESSKIT_MTU: 'big' } }), settings)
  t.equal(r?.mtu, null)
  t.same(withRootlessMtu({ dev: 'eth0', mtu: 1450, reason: 'x' }, r), { dev: 'eth0', mtu: 1450, reason: 'x' })
})

t.test('an explicit --mtu above rootlesskit\'s: kept, with the black-hole warning', async (t) => {
  const p = planFromState(busy({ argv: ['--mtu=1500'], rootlesskit: { net: 'slirp4netns' }, env: { DOCKERD_ROOTLESS_ROOTLESSKIT_MTU: '1400' } }))
  t.equal(p.mtu, 1500)
  t.match(p.warnings.join('\n'), /larger than the egress eth0 mtu 1400/)
})

t.test('gVisor: no MSS clamp and no conntrack clean-up, each with its reason; the bridge pin and --mtu stay', async (t) => {
  const p = planFromState(busy({ sandbox: { kind: 'gvisor', evidence: '/proc/gvisor exists (runsc --gvisor-marker-file)' } }))
  t.same(types(p), ['pin-bridge-mac'])
  t.ok(p.args.includes('--mtu=1450'))
  const reasons = p.reasons.join('\n')
  t.match(reasons, /gVisor \(\/proc\/gvisor exists .*\): not clamping TCP MSS: gVisor's netfilter has no TCPMSS target/)
  t.match(reasons, /gVisor .*: no conntrack clean-up/)
  t.match(reasons, /gVisor .*: --mtu is kept/)
  t.same(p.warnings, [], 'gVisor sees its own devices: no path warning')
})

t.test('Sysbox and Kata: actions kept, a warning pointing to --autonet-probe or an explicit --mtu', async (t) => {
  for (const kind of ['sysbox', 'kata'] as const) {
    const p = planFromState(busy({ sandbox: { kind, evidence: 'marker' } }))
    t.same(types(p), ['clamp-mss', 'conntrack-delete', 'pin-bridge-mac'], `${kind}: actions kept`)
    t.equal(p.warnings.length, 1)
    t.match(p.warnings[0], /the MTU seen here \(1450\) .* may not be the path's; measure the path with --autonet-probe=HOST .* or give dockerd an explicit --mtu/)
  }
})

t.test('a skipped action type not planned: no reason line about it', async (t) => {
  // No conntrack entries, no --bridge, the clamp opted out: nothing planned for the gate to withdraw.
  const p = planFromState(state({ rootlesskit: { net: 'slirp4netns' } }), { ...DEFAULT_PLAN_OPTIONS, clampMss: false })
  t.same(p.actions, [])
  t.notMatch(p.reasons.join('\n'), /not clamping|no conntrack clean-up|no bridge/)
})
