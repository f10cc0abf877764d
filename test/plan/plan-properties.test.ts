/**
 * Properties of the planner over generated snapshots, argv, daemon.json and options
 * (fast-check, fixed seed): it never throws, the user's argv survives whole and in order, no
 * planned flag's key is set in daemon.json, and an MTU we plan stays within 576..maxMtu.
 */
import t from 'tap'
import fc from 'fast-check'
import { configKeyOf } from '../../src/dockerd/config-keys.js'
import type { Link, MachineState, PlanOptions, Route, Rule } from '../../src/model.js'
import { hasDefaultLikeRoute } from '../../src/plan/egress.js'
import { planFromState } from '../../src/plan/plan.js'
import { IPV4_MIN_MTU } from '../../src/net/mtu-limits.js'

const NAMES = ['lo', 'eth0', 'eth1', 'wg0', 'docker0', 'br-ci', 'br-0123456789ab', 'veth1', 'tun0']
const mtu = fc.oneof(fc.constantFrom(0, 68, 575, 576, 1280, 1400, 1450, 1500, 9001, 65535, 65536), fc.integer({ min: -5, max: 70000 }))

const linkArb: fc.Arbitrary<Link> = fc.record({
  name: fc.constantFrom(...NAMES),
  mtu,
  up: fc.boolean(),
  type: fc.constantFrom('ether', 'veth', 'bridge', 'wireguard', 'loopback', 'vxlan', 'other'),
  mac: fc.constantFrom('02:42:ac:11:00:02', '00:00:00:00:00:00', null),
  master: fc.constantFrom(null, 'docker0', 'br-ci'),
  addrs: fc.array(fc.constantFrom('10.0.0.5/24', '172.17.0.1/16', '10.99.0.1/24', 'fe80::1/64', '2001:db8::5/64'), { maxLength: 2 }),
}) as fc.Arbitrary<Link>

const routeArb = (family: 4 | 6): fc.Arbitrary<Route> => fc.record({
  dst: fc.constantFrom('default', ...(family === 4 ? ['10.0.0.0/24', '172.17.0.0/16', '10.0.0.0/8', '0.0.0.0/1'] : ['2001:db8::/64', '::/0'])),
  dev: fc.constantFrom(null, ...NAMES),
  gw: fc.constantFrom(null, family === 4 ? '10.0.0.1' : 'fe80::1'),
  metric: fc.constantFrom(0, 100, 1024, null),
  mtu: fc.constantFrom(null, 1400, 0, 70000),
  table: fc.constantFrom('main', 'local', 100),
  type: fc.constantFrom(undefined, 'unicast', 'blackhole', 'local'),
}, { requiredKeys: ['dst', 'dev', 'gw', 'metric', 'mtu', 'table'] }) as fc.Arbitrary<Route>

const rule6Arb: fc.Arbitrary<Rule> = fc.record({
  priority: fc.constantFrom(0, 10, 100, 32766, 32767),
  src: fc.constantFrom('all', 'fd00::/8', '2001:db8::/64'),
  table: fc.constantFrom('main', 'local', 'default', '100'),
  action: fc.constantFrom(undefined, 'unreachable', 'blackhole', 'prohibit', 'nop'),
  suppress_prefixlen: fc.constantFrom(undefined, 0),
  not: fc.constantFrom(undefined, true),
}, { requiredKeys: ['priority', 'src'] }) as fc.Arbitrary<Rule>

const argvArb = fc.array(fc.constantFrom(
  ['--debug'], ['-H', 'fd://'], ['--mtu', '1400'], ['--mtu=0'], ['--mtu', '0x578'], ['--mtu=big'], ['--bridge=br-ci'], ['-b', 'none'],
  ['--ipv6'], ['--bip', '10.99.0.1/24'], ['--default-network-opt', 'bridge=com.docker.network.driver.mtu=1400'], ['--'], ['stray'],
), { maxLength: 6 }).map((pieces) => pieces.flat())

const daemonJsonArb = fc.option(fc.record({
  mtu: fc.constantFrom(0, -1, 1400, 9000, '1400', 'x'),
  bridge: fc.constantFrom('br-ci', 'none', 7),
  bip: fc.constantFrom('10.99.0.1/24', 'nonsense'),
  ipv6: fc.boolean(),
  'default-network-opts': fc.constant({ bridge: { 'com.docker.network.driver.mtu': '1400' } }),
  'default-address-pools': fc.constant([{ base: '10.200.0.0/16', size: 24 }]),
}, { requiredKeys: [] }), { nil: null })

const stateArb: fc.Arbitrary<MachineState> = fc.record({
  links: fc.array(linkArb, { maxLength: 6 }),
  routes4: fc.array(routeArb(4), { maxLength: 5 }),
  routes6: fc.array(routeArb(6), { maxLength: 3 }),
  daemon_json: daemonJsonArb,
  argv: argvArb,
  dockerd_version: fc.constantFrom(null, '20.10.24', '24.0.0', '27.3.1', 'garbage'),
}) as fc.Arbitrary<MachineState>

const optsArb: fc.Arbitrary<PlanOptions> = fc.record({
  maxMtu: fc.constantFrom(576, 1280, 1500, 9000, 65535),
  mtuScope: fc.constantFrom('default-route', 'all-routes'),
  pinBridgeMac: fc.boolean(),
  conntrackCleanup: fc.boolean(),
  clampMss: fc.boolean(),
  createBridge: fc.constantFrom(null, { name: 'br-ci', cidr: '10.99.0.1/24' }, { name: 'eth0', cidr: '10.0.0.1/24' }),
}) as fc.Arbitrary<PlanOptions>

const SEED = 42
const RUNS = 1000

/** The words `args` has beyond `argv`, when `args` is `argv` with one contiguous run inserted; null otherwise. */
function inserted(argv: string[], args: string[]): string[] | null {
  const extra = args.length - argv.length
  if (extra < 0) return null
  for (let k = 0; k <= argv.length; k++) {
    if (argv.slice(0, k).every((a, i) => args[i] === a) && argv.slice(k).every((a, i) => args[k + extra + i] === a)) return args.slice(k, k + extra)
  }
  return null
}

t.test(`property: the planner over generated snapshots, argv, daemon.json and options (fast-check, ${RUNS} runs, seed ${SEED})`, async (t) => {
  let runs = 0
  fc.assert(fc.property(stateArb, optsArb, (state, opts) => {
    runs++
    const plan = planFromState(state, opts)
    const ours = inserted(state.argv, plan.args)
    if (ours === null) throw new Error(`user argv not kept whole and in order: ${JSON.stringify(state.argv)} -> ${JSON.stringify(plan.args)}`)
    for (const flag of ours) {
      const m = /^--([a-z0-9-]+)=(.*)$/.exec(flag)
      if (!m) throw new Error(`planned flag not in --name=value form: ${flag}`)
      const key = configKeyOf(m[1])
      if (state.daemon_json && key in state.daemon_json) throw new Error(`planned ${flag} while daemon.json sets "${key}"`)
      if (m[1] === 'mtu') {
        const v = Number(m[2])
        if (!(Number.isInteger(v) && v >= IPV4_MIN_MTU && v <= Math.max(IPV4_MIN_MTU, opts.maxMtu))) throw new Error(`planned ${flag} outside ${IPV4_MIN_MTU}..${opts.maxMtu}`)
        if (plan.mtu !== v) throw new Error(`plan.mtu ${plan.mtu} is not the planned ${flag}`)
      }
    }
    if (!Array.isArray(plan.reasons) || !Array.isArray(plan.warnings) || !Array.isArray(plan.actions)) throw new Error('plan lists missing')
  }), { seed: SEED, numRuns: RUNS })
  t.comment(`fast-check: ${runs} runs, seed ${SEED}`)
  t.equal(runs, RUNS)
})

t.test(`property: without an IPv6 default-like route the IPv6 rules do not change the plan (fast-check, ${RUNS} runs, seed ${SEED})`, async (t) => {
  // What lets the start path leave them unread (cli/read-options.ts: ipv6RulesNeeded).
  let runs = 0
  let unrouted = 0
  fc.assert(fc.property(stateArb, fc.array(rule6Arb, { minLength: 1, maxLength: 4 }), optsArb, (state, rules6, opts) => {
    runs++
    if (hasDefaultLikeRoute(6, state.routes6)) return
    unrouted++
    const withRules = planFromState({ ...state, rules6 }, opts)
    const without = planFromState(state, opts)
    if (JSON.stringify(withRules) !== JSON.stringify(without)) {
      throw new Error(`rules6 ${JSON.stringify(rules6)} changed the plan:\n${JSON.stringify(without)}\n->\n${JSON.stringify(withRules)}`)
    }
  }), { seed: SEED, numRuns: RUNS })
  t.comment(`fast-check: ${runs} runs, seed ${SEED}, ${unrouted} of them without an IPv6 default-like route`)
  t.equal(runs, RUNS)
  t.ok(unrouted > RUNS / 10, `the property was put to the test (${unrouted} runs without an IPv6 default-like route)`)
})
