import t from 'tap'
import { main, type MainDeps } from '../../src/cli/main.js'
import { readInvocation } from '../../src/cli/invocation.js'
import { runDoctor } from '../../src/doctor/command.js'
import type { RunningDockerd } from '../../src/doctor/types.js'
import { memoryLogger } from '../../src/log.js'
import type { MachineState } from '../../src/model.js'
import { link, route, state } from '../helpers/state.js'

const machine = (): MachineState => state({
  links: [
    link('lo', 65536, { type: 'loopback', mac: '00:00:00:00:00:00' }),
    link('eth0', 1450, { type: 'veth', mac: '0a:58:0a:00:00:05', addrs: ['10.0.0.5/24'] }),
    link('docker0', 1500, { type: 'bridge', addr_assign_type: 3, addrs: ['172.17.0.1/16'] }),
    link('veth1a2b3c', 1500, { type: 'veth', master: 'docker0' }),
  ],
  routes4: [route('default', 'eth0', { gw: '10.0.0.1' })],
  conntrack: [],
  read_errors: [],
})

const dockerd = (argv: string[]): RunningDockerd => ({
  pid: 77, command: 'dockerd', argv, started_at: null, via_wrapper: false, daemon_json: null,
  daemon_json_path: '/etc/docker/daemon.json', daemon_json_error: null,
  api: { socket: '/var/run/docker.sock', error: null, containers: [], networks: [] },
})

function fakes(over: Partial<MainDeps> = {}) {
  const out: string[] = []
  const reads: Parameters<MainDeps['readState']>[0][] = []
  const deps: Partial<MainDeps> = {
    readState: async (o) => { reads.push(o); return { ...machine(), argv: o.argv } },
    stdout: (s) => { out.push(s) },
    log: memoryLogger(),
    ...over,
  }
  return { deps, reads, stdout: () => out.join('') }
}

t.test('routing: doctor is a subcommand; --autonet-probe is ours and reaches the reader', async (t) => {
  t.match(readInvocation(['doctor', '--json'], {}), { mode: 'doctor', subcommandArgs: ['--json'], dockerdArgs: [] })
  t.match(readInvocation(['--autonet-probe=1.1.1.1', 'doctor'], {}), { mode: 'doctor', ours: { probe: '1.1.1.1' } })
  t.equal(readInvocation(['--debug'], { DOCKERD_AUTONET_PROBE: 'one.one.one.one' }).ours.probe, 'one.one.one.one')
  t.equal(readInvocation(['--autonet-probe=[2001:db8::1]'], {}).ours.probe, '2001:db8::1', 'brackets dropped')
  for (const bad of ['-f', 'a b', '', 'x;rm']) {
    // Refused by a subcommand; where dockerd is to start, carried as an error and no probe runs.
    t.throws(() => readInvocation(['plan', `--autonet-probe=${bad}`], {}), /invalid value for --autonet-probe|needs a value/, JSON.stringify(bad))
    t.match(readInvocation([`--autonet-probe=${bad}`], {}), { mode: 'exec', ours: { probe: null }, optionError: /invalid value for --autonet-probe|needs a value/ })
  }
  t.throws(() => readInvocation(['doctor', '--autonet-probe'], {}), /--autonet-probe needs a value: --autonet-probe=HOST/)
  const f = fakes()
  await main(['plan', '--json', '--autonet-probe=192.0.2.9'], {}, f.deps)
  t.equal(f.reads[0].probeHost, '192.0.2.9')
  const g = fakes()
  await main(['plan', '--json'], {}, g.deps)
  t.equal(g.reads[0].probeHost, null, 'no probe unless asked')
})

t.test('snapshot --anonymize prints the anonymized snapshot; plain snapshot is unchanged', async (t) => {
  const f = fakes()
  t.equal(await main(['snapshot', '--anonymize'], {}, f.deps), 0)
  const anon = JSON.parse(f.stdout()) as MachineState
  t.same(anon.links.map((l) => l.name), ['lo', 'eth0', 'docker0', 'veth0001'])
  t.not(anon.links[1].mac, '0a:58:0a:00:00:05')
  t.notOk(f.stdout().includes('10.0.0.5'))
  const g = fakes()
  t.equal(await main(['snapshot'], {}, g.deps), 0)
  t.equal(JSON.parse(g.stdout()).links[3].name, 'veth1a2b3c')
  const h = fakes()
  t.equal(await main(['snapshot', '--anonymise'], {}, h.deps), 2, 'an unknown option is a usage error')
})

t.test('a snapshot reads every IPv6 rule; plan and a start leave them unread where no route makes them matter', async (t) => {
  const snap = fakes()
  await main(['snapshot'], {}, snap.deps)
  t.equal(snap.reads[0].ipv6RulesNeeded, undefined, 'snapshot: read beside the routes, always')
  const plan = fakes()
  await main(['plan', '--json'], {}, plan.deps)
  const needed = plan.reads[0].ipv6RulesNeeded
  t.equal(needed?.([route('fe80::/64', 'eth0')]), false, 'plan: not for link-local routes only')
  t.equal(needed?.([route('default', 'eth0', { gw: 'fe80::1' })]), true, 'plan: asked with an IPv6 default route')
  const start = fakes({ exec: async () => 0, applyActions: async () => {}, conntrackWatch: async () => null, canRun: async () => null })
  await main(['--autonet-dockerd-version=28.5.2', '-H', 'fd://'], {}, start.deps)
  t.equal(start.reads[0].ipv6RulesNeeded?.([]), false, 'a start: the same predicate')
})

t.test('doctor --help and bad options', async (t) => {
  const f = fakes()
  t.equal(await main(['doctor', '--help'], {}, f.deps), 0)
  t.match(f.stdout(), /--json/)
  t.equal(await main(['doctor', '--bogus'], {}, fakes().deps), 2)
  const help = fakes()
  await main(['--help'], {}, help.deps)
  t.match(help.stdout(), /doctor \[--json\]/)
  t.match(help.stdout(), /snapshot \[--anonymize\]/)
  t.match(help.stdout(), /--autonet-probe=HOST/)
})

t.test('runDoctor: reads the machine with the running dockerd\'s argv; table or JSON; exit code of the findings', async (t) => {
  const argvs: string[][] = []
  const out: string[] = []
  const deps = {
    readState: async (argv: string[]) => { argvs.push(argv); return machine() },
    readRunning: async () => ({ dockerds: [dockerd(['--debug'])], errors: ['dockerd: pid 9: cannot read its network namespace (not root?)'] }),
    stdout: (s: string) => { out.push(s) },
  }
  t.equal(await runDoctor({ json: false }, deps), 1)
  t.same(argvs, [['--debug']])
  t.match(out[0], /PROBLEM\s+mtu\s+dockerd pid 77\s+1500/)
  t.match(out[0], /info\s+read\s+dockerd\s+-\s+dockerd: pid 9: cannot read its network namespace/)
  out.length = 0
  t.equal(await runDoctor({ json: true }, deps), 1)
  t.match(JSON.parse(out[0]), { status: 'problems', exit_code: 1, egress: { dev: 'eth0', mtu: 1450 } })

  const healthy = { ...deps, readState: async () => ({ ...machine(), links: machine().links.filter((l) => !l.name.startsWith('veth')).map((l) => l.name === 'docker0' ? { ...l, mtu: 1450 } : l) }),
    readRunning: async () => ({ dockerds: [dockerd(['--mtu=1450'])], errors: [] }) }
  out.length = 0
  t.equal(await runDoctor({ json: false }, healthy), 0)
  t.match(out[0], /\nhealthy: exit 0\n$/)
  t.equal(await runDoctor({ json: false }, { ...healthy, readRunning: async () => ({ dockerds: [], errors: [] }) }), 2, 'no dockerd here: could not check')
})

t.test('a subcommand\'s unknown option is named as typed (trial 5: "plan --json --bogus" said "Unknown argument: bogus")', async (t) => {
  const { parseSubcommandArgs } = await import('../../src/cli/commands.js')
  await t.rejects(parseSubcommandArgs('plan', ['--json', '--bogus']), { exitCode: 2, message: 'plan: unknown option --bogus' })
  await t.rejects(parseSubcommandArgs('doctor', ['--bogus=1', '-x']), { exitCode: 2, message: 'doctor: unknown option --bogus; unknown option -x' })
  await t.rejects(parseSubcommandArgs('snapshot', ['--anonymise']), { exitCode: 2, message: 'snapshot: unknown option --anonymise' })
})

t.test('`dockerd --version` runs with the environment a started program gets: the shim\'s carriers out (trial 7: DOCKERD_WRAPPED_RAW_ARGV reached the probe)', async (t) => {
  const env = { PATH: '/usr/bin', DOCKERD_WRAPPED_RAW_ARGV: '-', DOCKERD_WRAPPED_NODE_OPTIONS: '', NODE_OPTIONS: '--max-old-space-size=64' }
  const start = fakes()
  await main(['--debug'], env, start.deps)
  const probeEnv = start.reads[0]?.versionEnv
  t.ok(probeEnv, 'given to the reader')
  t.equal(probeEnv?.DOCKERD_WRAPPED_RAW_ARGV, undefined, 'the raw-argv carrier is not passed on')
  t.equal(probeEnv?.PATH, '/usr/bin')
  t.equal(probeEnv?.NODE_OPTIONS, '', 'the user\'s own NODE_OPTIONS back, as the shim found them')
})
