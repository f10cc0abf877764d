/**
 * --autonet-bridge next to what is already there: a link of that name that is no bridge (never
 * taken over; dockerd still gets --bridge=NAME and refuses it loudly, point 5), and the user's own
 * -b/--bridge, --bip/--bip6 or their daemon.json keys (the user's choice wins, one line names both).
 */
import t from 'tap'
import { DEFAULT_PLAN_OPTIONS, type MachineState } from '../../src/model.js'
import { planFromState } from '../../src/plan/index.js'
import { runMain } from '../helpers/run-main.js'
import { link, state } from '../helpers/state.js'

/** main with the real planner on `machine`: what was exec'd, applied and logged. */
const start = (argv: string[], machine: Partial<MachineState>) => runMain(argv, { readState: async (o) => state({ ...machine, argv: o.argv }) })

/** Our options with --autonet-bridge=br-ci=10.99.0.1/24. */
const withBridge = { ...DEFAULT_PLAN_OPTIONS, createBridge: { name: 'br-ci', cidr: '10.99.0.1/24' } }

const eth0 = link('eth0', 1500, { type: 'veth', addrs: ['10.0.0.5/24'] })

t.test('NAME is a veth: not taken over; dockerd gets --bridge=NAME and refuses it, the reason on one line', async (t) => {
  const r = await start(['--autonet-bridge=br-ci=10.99.0.1/24', '--debug'], { links: [eth0, link('br-ci', 1500, { type: 'veth', addrs: ['10.5.0.2/24'] })] })
  t.same(r.execs, [['dockerd', '--debug', '--bridge=br-ci']], 'never a dockerd on docker0')
  t.same(r.applied, [], 'nothing created, addressed or pinned')
  const errors = r.lines.filter((l) => l.includes('error:'))
  t.equal(errors.length, 1, errors.join('\n'))
  t.match(errors[0], /--autonet-bridge=br-ci=10\.99\.0\.1\/24: br-ci exists as a veth with 10\.5\.0\.2\/24, not a bridge: not taken over; dockerd is still told --bridge=br-ci and will refuse it \("existing interface br-ci is not a bridge"\); remove it or choose another name; starting dockerd with your arguments unchanged/)
  t.match(r.lines.join('\n'), /keeping --bridge=br-ci \(--autonet-bridge\): .*dockerd fails loudly if br-ci does not exist or is not a bridge/)
})

t.test('the user\'s own bridge or bridge address wins over --autonet-bridge: nothing created or passed, one line naming both', async (t) => {
  const req = '--autonet-bridge=br-ci=10.99.0.1/24'
  const links = [eth0, link('docker0', 1500, { type: 'bridge', addrs: ['172.17.0.1/16'] })]
  const cases: Array<[string, string[], Record<string, unknown> | null, RegExp]> = [
    // dockerd refuses -b with --bip / --bip6 (moby verifyDaemonSettings): our --bridge would stop it.
    ['--bip', ['--bip=10.5.0.1/24'], null, /your --bip=10\.5\.0\.1\/24 .*dockerd refuses -b with --bip/],
    ['--bip as two words', ['--bip', '10.5.0.1/24'], null, /your --bip 10\.5\.0\.1\/24/],
    ['--bip6', ['--bip6=fd00:5::1/64'], null, /your --bip6=fd00:5::1\/64 .*dockerd refuses -b with --bip6/],
    ['daemon.json bip', [], { bip: '10.5.0.1/24' }, /daemon\.json "bip": "10\.5\.0\.1\/24" .*dockerd refuses -b with --bip/],
    ['daemon.json bridge', [], { bridge: 'br-mine' }, /daemon\.json "bridge": "br-mine"/],
    ['-b', ['-b', 'br-mine'], null, /your -b br-mine/],
    ['--bridge=none', ['--bridge=none'], null, /your --bridge=none/],
  ]
  for (const [what, argv, dj, named] of cases) {
    const plan = planFromState(state({ links: [...links, link('br-mine', 1500, { type: 'bridge', addr_assign_type: 3 })], argv, daemon_json: dj }), withBridge)
    t.equal(plan.error, null, what)
    t.notOk(plan.args.some((a) => a.startsWith('--bridge=br-ci')), `${what}: --bridge=br-ci not passed`)
    t.notOk(plan.actions.some((a) => a.type === 'create-bridge' || (a.type === 'pin-bridge-mac' && a.bridge === 'br-ci')), `${what}: br-ci neither created nor pinned`)
    const lines = plan.warnings.filter((w) => w.includes(req))
    t.equal(lines.length, 1, `${what}: one line: ${plan.warnings.join(' | ')}`)
    t.match(lines[0], named, what)
    t.match(lines[0], /your choice wins: br-ci is not created and --bridge=br-ci is not passed/, what)
  }
  // An empty flag value is dockerd's default, no choice: ours is created and passed after it.
  for (const argv of [['--bip='], ['--bridge=']]) {
    const empty = planFromState(state({ links, argv }), withBridge)
    t.same(empty.args.slice(0, 1), argv, argv[0])
    t.ok(empty.args.includes('--bridge=br-ci') && empty.actions.some((a) => a.type === 'create-bridge'), `${argv[0]}: created and passed`)
  }
  // The same name as ours: that is the bridge to create, and theirs names it already.
  const same = planFromState(state({ links, argv: ['-b', 'br-ci'] }), withBridge)
  t.ok(same.actions.some((a) => a.type === 'create-bridge'), 'your -b br-ci: created')
  t.notOk(same.warnings.some((w) => w.includes('your choice wins')), 'no clash')
})

t.test('stepping aside with the user\'s --bip or daemon.json "bip": no --bridge added (dockerd would refuse both)', async (t) => {
  const failing = (argv: string[], dj: Record<string, unknown> | null) => runMain(argv, {
    readState: async (o) => state({ argv: o.argv, daemon_json: dj }),
    plan: () => { throw new Error('planner exploded') },
  })
  const flag = await failing(['--autonet-bridge=br-ci=10.99.0.1/24', '--bip=10.5.0.1/24'], null)
  t.same(flag.execs, [['dockerd', '--bip=10.5.0.1/24']])
  t.match(flag.lines.join('\n'), /not passing --bridge=br-ci \(--autonet-bridge\): your --bip=10\.5\.0\.1\/24 stands/)
  const file = await failing(['--autonet-bridge=br-ci=10.99.0.1/24', '--debug'], { bip: '10.5.0.1/24' })
  t.same(file.execs, [['dockerd', '--debug']])
  t.match(file.lines.join('\n'), /not passing --bridge=br-ci \(--autonet-bridge\): daemon\.json "bip": "10\.5\.0\.1\/24" stands/)
  const plain = await failing(['--autonet-bridge=br-ci=10.99.0.1/24', '--debug'], null)
  t.same(plain.execs, [['dockerd', '--debug', '--bridge=br-ci']], 'control: nothing of theirs, --bridge kept (point 5)')
})

t.test('an empty daemon.json "bip"/"bip6" names nothing: NAME is created and passed (trial: a second daemon landed on docker0)', async (t) => {
  for (const dj of [{ bip: '' }, { bip: null }, { bip6: '' }, { bip: '', bip6: null }]) {
    const plan = planFromState(state({ links: [eth0], argv: [], daemon_json: dj }), withBridge)
    t.equal(plan.error, null, JSON.stringify(dj))
    t.ok(plan.args.includes('--bridge=br-ci'), `${JSON.stringify(dj)}: --bridge=br-ci passed`)
    t.ok(plan.actions.some((a) => a.type === 'create-bridge'), `${JSON.stringify(dj)}: br-ci created`)
    t.notOk(plan.warnings.some((w) => w.includes('your choice wins')), `${JSON.stringify(dj)}: no choice of the user's`)
    const r = await start(['--autonet-bridge=br-ci=10.99.0.1/24', '--debug'], { links: [eth0], daemon_json: dj })
    t.equal(r.execs.length, 1)
    t.same(r.execs[0]?.slice(0, 2), ['dockerd', '--debug'], `${JSON.stringify(dj)}: a start`)
    t.ok(r.execs[0]?.includes('--bridge=br-ci'), `${JSON.stringify(dj)}: passes --bridge=br-ci: ${JSON.stringify(r.execs)}`)
  }
})

t.test('an empty daemon.json "bridge" is docker0 yet clashes with any --bridge: the start steps aside and dockerd gets --bridge=NAME to refuse, never docker0', async (t) => {
  for (const dj of [{ bridge: '' }, { bridge: null }]) {
    const what = JSON.stringify(dj)
    const plan = planFromState(state({ links: [eth0], argv: ['--debug'], daemon_json: dj }), withBridge)
    t.match(plan.error, new RegExp(`^--autonet-bridge=br-ci=10\\.99\\.0\\.1/24 and daemon\\.json "bridge": ${dj.bridge === '' ? '""' : 'null'} \\(docker0\\): dockerd refuses --bridge=br-ci next to that key .*remove "bridge" from daemon\\.json or set it to "br-ci"$`), what)
    const r = await start(['--autonet-bridge=br-ci=10.99.0.1/24', '--debug'], { links: [eth0], daemon_json: dj })
    t.same(r.execs, [['dockerd', '--debug', '--bridge=br-ci']], `${what}: never a dockerd on docker0`)
    t.same(r.applied, [], `${what}: nothing created or applied`)
    t.match(r.lines.join('\n'), /keeping --bridge=br-ci \(--autonet-bridge\): a second daemon must not land on docker0, where daemon\.json "bridge": (""|null) leaves it; dockerd will refuse the flag next to that key/, what)
  }
  const failing = await runMain(['--autonet-bridge=br-ci=10.99.0.1/24', '--debug'], {
    readState: async (o) => state({ argv: o.argv, daemon_json: { bridge: '' } }),
    plan: () => { throw new Error('planner exploded') },
  })
  t.same(failing.execs, [['dockerd', '--debug', '--bridge=br-ci']], 'stepping aside for another reason: --bridge kept too')
})

// Trial: {"proxies": {"bridge": "br0"}} made br-ci and applied the clamp, yet dropped --bridge=br-ci
// ("daemon.json sets bridge"): Go reads no bridge from it (docker0), and dockerd compares the
// flattened key with its flags (--validate on 26.1.5 and 28.5.2: "specified both …: bridge").
t.test('"bridge" inside an object dockerd flattens: docker0 yet a clash; the start steps aside and dockerd gets --bridge=NAME to refuse', async (t) => {
  for (const dj of [{ proxies: { bridge: 'br0' } }, { zzz: { bridge: 'br0' } }]) {
    const what = JSON.stringify(dj)
    const holder = Object.keys(dj)[0]
    const plan = planFromState(state({ links: [eth0], argv: ['--debug'], daemon_json: dj }), withBridge)
    t.match(plan.error, `and daemon.json "${holder}": {"bridge": "br0"} (dockerd compares it with its flags, yet reads no bridge from it) (docker0)`, what)
    t.match(plan.error, new RegExp(`remove "bridge" from "${holder}" in daemon\\.json$`), what)
    const r = await start(['--autonet-bridge=br-ci=10.99.0.1/24', '--debug'], { links: [eth0], daemon_json: dj })
    t.same(r.execs, [['dockerd', '--debug', '--bridge=br-ci']], `${what}: never a dockerd on docker0`)
    t.same(r.applied, [], `${what}: nothing created or applied`)
  }
})
