import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { readFileSync } from 'node:fs'
import { memoryLogger } from '../../src/log.js'
import type { Action, MachineState, Plan, PlanOptions } from '../../src/model.js'
import { execRoom, execTooBig, PATH_MAX } from '../../src/cli/exec-limits.js'
import { main, type MainDeps } from '../../src/cli/main.js'
import { OPTIONS, envName } from '../../src/cli/options.js'
import { applyActions } from '../../src/apply/apply-actions.js'
import { deadlineRunner, EXIT_TIMED_OUT, type Runner } from '../../src/tools/runner.js'

const CASES = new URL('../../../shared/cases/', import.meta.url)
const clamp: Action = { type: 'clamp-mss', mtu: 1450, ipv6: false, reason: 'clamp MSS to 1450' }

/** Fakes for every dependency, recording what main did with them, in order. */
function fakes(over: Partial<MainDeps> = {}) {
  const events: string[] = []
  const out: string[] = []
  const log = memoryLogger()
  const reads: Parameters<MainDeps['readState']>[0][] = []
  const plans: PlanOptions[] = []
  const execs: string[][] = []
  const deps: Partial<MainDeps> = {
    readState: async (o) => {
      reads.push(o)
      events.push('read')
      return { links: [], routes4: [], routes6: [], daemon_json: null, argv: o.argv }
    },
    plan: (state: MachineState, opts: PlanOptions): Plan => {
      plans.push(opts)
      events.push('plan')
      return { egress: 'eth0', mtu: 1450, args: [...state.argv, '--mtu=1450'], warnings: ['w: careful'], reasons: ['r: egress eth0 mtu 1450'], error: null, actions: [clamp] }
    },
    applyActions: async (actions) => { events.push(`apply ${actions.map((a) => a.type).join(',')}`) },
    exec: async (cmd, args) => { execs.push([cmd, ...args]); events.push('exec'); return 0 },
    stdout: (s) => { out.push(s) },
    log,
    ...over,
  }
  return { deps, events, out, log, reads, plans, execs, stdout: () => out.join('') }
}

t.test('run: user argv in order, ours stripped, planned flags appended; reasons logged before apply and exec', async (t) => {
  const f = fakes()
  const code = await main(['-H', 'fd://', '--autonet-max-mtu=9000', '--mtu', '1400'], {}, f.deps)
  t.equal(code, 0)
  t.same(f.execs, [['dockerd', '-H', 'fd://', '--mtu', '1400', '--mtu=1450']])
  t.same(f.reads.map((r) => r.argv), [['-H', 'fd://', '--mtu', '1400']], 'the reader sees dockerd\'s argv, not ours')
  t.equal(f.plans[0].maxMtu, 9000)
  t.same(f.events, ['read', 'plan', 'apply clamp-mss', 'exec'])
  t.match(f.log.lines, [
    'dockerd-autonet: debug: mode run: dockerd -H fd:// --mtu 1400',
    'dockerd-autonet: r: egress eth0 mtu 1450',
    'dockerd-autonet: warn: w: careful',
    'dockerd-autonet: starting: dockerd -H fd:// --mtu 1400 --mtu=1450',
  ])
})

t.test('run: dockerd and dockerd-entrypoint.sh named first get the plan too', async (t) => {
  for (const program of ['dockerd', 'dockerd-entrypoint.sh', '/usr/local/bin/dockerd']) {
    const f = fakes()
    await main([program, '--registry-mirror=https://mirror.example'], {}, f.deps)
    t.same(f.execs, [[program, '--registry-mirror=https://mirror.example', '--mtu=1450']], program)
    // Only a dockerd is asked --version; an entrypoint script would run for real.
    t.equal(f.reads[0].dockerdCommand, program === 'dockerd-entrypoint.sh' ? 'dockerd' : program, 'the version probe asks a dockerd')
  }
})

t.test('--autonet-exec=PROG: no --version probe (not PROG, not the dockerd on PATH, which PROG may not start); the version is unknown, and a reason line says why', async (t) => {
  for (const prog of ['/opt/my-launcher.sh', '/opt/other/dockerd']) {
    const run = fakes()
    await main([`--autonet-exec=${prog}`, '--debug'], {}, run.deps)
    t.match(run.reads, [{ withVersion: false, dockerdVersion: null }], `${prog}: nothing asked --version`)
    t.same(run.execs, [[prog, '--debug', '--mtu=1450']])
    t.match(run.log.lines.join('\n'), new RegExp(`dockerd-autonet: dockerd version unknown: --autonet-exec=${prog} is not run with --version`), `${prog}: the reason line`)
    const plan = fakes()
    t.equal(await main([`--autonet-exec=${prog}`, 'plan', '--json', '--', '--debug'], {}, plan.deps), 0)
    t.match(plan.reads, [{ withVersion: false }], `${prog}: plan asks nothing either`)
    t.match(JSON.parse(plan.stdout()).reasons[0], /^dockerd version unknown: --autonet-exec=/, `${prog}: plan gives the same reason`)
  }
  const given = fakes()
  await main(['--autonet-exec=/opt/my-launcher.sh', '--autonet-dockerd-version=27.3.1', '--debug'], {}, given.deps)
  t.match(given.reads, [{ withVersion: false, dockerdVersion: '27.3.1' }], 'a version given in advance is the version')
  t.notMatch(given.log.lines.join('\n'), /version unknown/)
})

t.test('run: dockerd\'s exit code is ours', async (t) => {
  const f = fakes({ exec: async () => 3 })
  t.equal(await main([], {}, f.deps), 3)
})

t.test('fail open: a failing reader or planner leaves the user\'s arguments exactly as given', async (t) => {
  const failures: [string, Partial<MainDeps>][] = [
    ['reader throws', { readState: async () => { throw new Error('netlink exploded') } }],
    ['planner throws', { plan: () => { throw new Error('bug in plan') } }],
    ['planner returns no args', { plan: () => ({ egress: null }) as unknown as Plan }],
  ]
  for (const [name, over] of failures) {
    const f = fakes(over)
    const code = await main(['-H', 'fd://', '--autonet-debug', '--mtu', '1400'], {}, f.deps)
    t.equal(code, 0, name)
    t.same(f.execs, [['dockerd', '-H', 'fd://', '--mtu', '1400']], name)
    t.notOk(f.events.some((e) => e.startsWith('apply')), `${name}: nothing applied`)
    t.match(f.log.lines.join('\n'), /error: detection failed: .+; starting dockerd with your arguments unchanged/, name)
  }
})

t.test('fail open: applying actions that throws still starts dockerd with the plan', async (t) => {
  const f = fakes({ applyActions: async () => { throw new Error('iptables missing') } })
  await main([], {}, f.deps)
  t.same(f.execs, [['dockerd', '--mtu=1450']])
  t.match(f.log.lines.join('\n'), /warn: applying actions failed: iptables missing; starting dockerd anyway/)
})

t.test('a plan with an error: logged, nothing applied, the user\'s arguments unchanged', async (t) => {
  const f = fakes({
    plan: (s) => ({ egress: 'eth0', mtu: 1500, args: [...s.argv, '--bip=10.99.0.1/24'], warnings: [], reasons: [], error: '--autonet-bridge=br-ci=10.0.0.1/24 overlaps the route 10.0.0.0/8', actions: [clamp] }),
  })
  t.equal(await main(['--autonet-bridge=br-ci=10.0.0.1/24', '--debug'], {}, f.deps), 0)
  // A second daemon's bridge stays: dockerd uses br-ci or fails loudly, never lands on docker0.
  t.same(f.execs, [['dockerd', '--debug', '--bridge=br-ci']])
  t.notOk(f.events.some((e) => e.startsWith('apply')))
  t.match(f.log.lines.join('\n'), /error: --autonet-bridge=br-ci=10.0.0.1\/24 overlaps the route 10.0.0.0\/8; starting dockerd with your arguments unchanged/)
  t.match(f.log.lines.join('\n'), /keeping --bridge=br-ci \(--autonet-bridge\): a second daemon must not land on docker0/)
})

t.test('--autonet-dry-run: prints the plan and the final command; nothing applied or exec\'d', async (t) => {
  const f = fakes()
  t.equal(await main(['--autonet-dry-run', '-H', 'fd://', '--label', 'team=a b'], {}, f.deps), 0)
  t.same(f.execs, [])
  t.notOk(f.events.some((e) => e.startsWith('apply')))
  t.equal(f.stdout(), [
    'egress:   eth0',
    'mtu:      1450',
    'adds:     --mtu=1450',
    'reasons:',
    '  - r: egress eth0 mtu 1450',
    'warnings:',
    '  - w: careful',
    'actions:',
    '  - clamp-mss: clamp MSS to 1450',
    'command:  dockerd -H fd:// --label \'team=a b\' --mtu=1450',
    '',
  ].join('\n'))

  const env = fakes({ readState: async () => { throw new Error('no ip') } })
  await main(['--debug'], { DOCKERD_AUTONET_DRY_RUN: '1' }, env.deps)
  t.equal(env.stdout(), 'aside:    detection failed: no ip\nadds:     nothing\nactions:  none\ncommand:  dockerd --debug\n', 'from env; after a failure, why, and the unchanged command')
})

t.test('exec mode: a foreign command, or --autonet-disable, is exec\'d untouched without reading', async (t) => {
  const f = fakes()
  await main(['sh', '-c', 'echo hi', '--autonet-debug'], {}, f.deps)
  await main(['--autonet-disable', '-H', 'fd://', '--autonet-debug'], {}, f.deps)
  await main(['dockerd', '--debug'], { DOCKERD_AUTONET_DISABLE: '1' }, f.deps)
  t.same(f.execs, [['sh', '-c', 'echo hi', '--autonet-debug'], ['dockerd', '-H', 'fd://'], ['dockerd', '--debug']])
  t.same(f.reads, [])
})

t.test('usage errors of a subcommand exit 2 with the message on the log, before anything runs', async (t) => {
  const f = fakes()
  t.equal(await main(['plan', '--autonet-max-mtu=huge'], {}, f.deps), 2)
  t.equal(await main(['snapshot'], { DOCKERD_AUTONET_MTU_SCOPE: 'wide' }, f.deps), 2)
  t.same(f.events, [])
  t.match(f.log.lines, [/error: invalid value for --autonet-max-mtu: "huge"/, /error: invalid value for DOCKERD_AUTONET_MTU_SCOPE: "wide"/])
})

t.test('a bad option where dockerd is to start: logged, and dockerd starts with the user arguments (fail open)', async (t) => {
  const f = fakes()
  t.equal(await main(['--autonet-max-mtu=huge', '-H', 'fd://'], { DOCKERD_AUTONET_MTU_SCOPE: 'wide' }, f.deps), 0)
  t.same(f.events, ['exec'], 'nothing read, planned or applied')
  t.same(f.execs, [['dockerd', '-H', 'fd://']])
  t.match(f.log.lines, [/error: invalid value for .*; starting dockerd with your arguments unchanged/])
})

t.test('help lists every option with its env variable, the subcommands and the exit codes', async (t) => {
  for (const argv of [['--help'], ['help']]) {
    const f = fakes()
    t.equal(await main(argv, {}, f.deps), 0)
    const help = f.stdout()
    for (const o of OPTIONS) {
      t.match(help, `--autonet-${o.name}`)
      t.match(help, envName(o))
    }
    t.match(help, /plan \[--state FILE\] \[--json\]/)
    t.match(help, /snapshot/)
    t.match(help, /Exit codes:[\s\S]*\b2\b.*usage error[\s\S]*127/)
  }
})

t.test('help names every option install and uninstall accept (taken from their own --help)', async (t) => {
  const top = fakes()
  await main(['--help'], {}, top.deps)
  const help = top.stdout()
  for (const verb of ['install', 'uninstall']) {
    const f = fakes()
    t.equal(await main([verb, '--help'], {}, f.deps), 0)
    // yargs lists each option at the start of a line: "  --root  operate on ...".
    const own = [...f.stdout().matchAll(/^\s+(--[a-z][a-z-]*)\s/gm)].map((m) => m[1]).filter((o) => o !== '--help')
    t.ok(own.includes('--root'), `${verb} --help lists its options (${own.join(' ')})`)
    const line = help.split('\n').find((l) => l.includes(`dockerd-autonet ${verb} `))
    for (const o of own) t.match(line, o, `--help's ${verb} line names ${o}`)
  }
})

t.test('version', async (t) => {
  const f = fakes()
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'))
  t.equal(await main(['--version'], {}, f.deps), 0)
  t.equal(f.stdout(), `dockerd-autonet ${pkg.version}\n`)
})

t.test('plan --state FILE --json: exactly {egress, mtu, args, warnings, reasons, error, actions}', async (t) => {
  const f = fakes({ plan: (s) => ({ ...fakes().deps.plan!(s, {} as PlanOptions) as Plan, extra: 'not printed' }) as Plan })
  const file = new URL('01-arc-dind-pod-eth0-1450.json', CASES).pathname
  t.equal(await main(['plan', '--state', file, '--json'], {}, f.deps), 0)
  const printed = JSON.parse(f.stdout())
  t.same(Object.keys(printed), ['egress', 'mtu', 'args', 'warnings', 'reasons', 'error', 'actions'])
  t.same(printed.actions, [clamp], 'actions as the planner returns them')
  t.same(f.reads, [], 'a snapshot file, not this machine')
})

t.test('plan --state with the real planner on a case file', async (t) => {
  const f = fakes({ plan: undefined })
  const file = new URL('01-arc-dind-pod-eth0-1450.json', CASES).pathname
  const expected = JSON.parse(readFileSync(file, 'utf8')).expected
  t.equal(await main(['plan', `--state=${file}`, '--json'], {}, f.deps), 0)
  const printed = JSON.parse(f.stdout())
  t.equal(printed.egress, expected.egress)
  t.equal(printed.mtu, expected.mtu)
})

t.test('plan --state replays where dockerd ran: a gVisor or rootless snapshot withdraws the clamp, an older snapshot plans it', async (t) => {
  const file = new URL('01-arc-dind-pod-eth0-1450.json', CASES).pathname
  const fixture = { ...JSON.parse(readFileSync(file, 'utf8')).fixture, dockerd_version: '20.10.24' }
  const run = async (extra: Record<string, unknown>) => {
    const dir = t.testdir({ 'state.json': JSON.stringify({ ...fixture, ...extra }) })
    const f = fakes({ plan: undefined })
    t.equal(await main(['plan', '--state', `${dir}/state.json`, '--json'], {}, f.deps), 0)
    return JSON.parse(f.stdout()) as Plan
  }
  const plain = await run({})
  t.ok(plain.actions.some((a) => a.type === 'clamp-mss'), 'without the fields (an older snapshot): the clamp is planned')
  const gvisor = await run({ sandbox: { kind: 'gvisor', evidence: '/proc/gvisor exists (runsc --gvisor-marker-file)' } })
  t.notOk(gvisor.actions.some((a) => a.type === 'clamp-mss'))
  t.match(gvisor.reasons.join('\n'), /gVisor .*not clamping TCP MSS/)
  t.equal(gvisor.mtu, plain.mtu, '--mtu kept')
  const rootless = await run({ euid: 0, rootlesskit: { net: 'slirp4netns' } })
  t.same(rootless.actions, [])
  const bad = t.testdir({ 'state.json': JSON.stringify({ ...fixture, sandbox: { kind: 'vm' } }) })
  const f = fakes({ plan: undefined })
  t.equal(await main(['plan', '--state', `${bad}/state.json`, '--json'], {}, f.deps), 2, 'a bad sandbox field is bad input')
  t.match(f.log.lines.join('\n'), /sandbox: expected \{kind/)
})

t.test('plan: human summary; -- ARGS replace the snapshot\'s argv; exit 1 when the plan has an error', async (t) => {
  const dir = t.testdir({ 'state.json': JSON.stringify({ links: [], routes4: [], routes6: [], daemon_json: null, argv: ['--debug'] }) })
  const f = fakes()
  t.equal(await main(['plan', '--state', `${dir}/state.json`, '--', '-H', 'fd://'], {}, f.deps), 0)
  t.match(f.stdout(), /^egress: {3}eth0\n[\s\S]*\ncommand: {2}dockerd -H fd:\/\/ --mtu=1450\n$/)

  const e = fakes({ plan: (s) => ({ egress: null, mtu: null, args: s.argv, warnings: [], reasons: [], error: 'cannot do it', actions: [] }) })
  t.equal(await main(['plan', '--state', `${dir}/state.json`], {}, e.deps), 1)
  t.match(e.stdout(), /error: {4}cannot do it/)

  const x = fakes({ plan: (s) => ({ egress: null, mtu: null, args: [...s.argv, '--bip=10.0.0.1/24'], warnings: [], reasons: [], error: 'overlap', actions: [clamp] }) })
  t.equal(await main(['--autonet-dry-run', '--debug'], {}, x.deps), 0)
  t.match(x.stdout(), /adds: {5}nothing \(a start steps aside, see error[\s\S]*actions: none\ncommand: {2}dockerd --debug\n$/, 'dry run shows what run mode would exec')
})

t.test('plan -- WORDS mirrors the start path: where a start would step aside, plan says why and shows no flag or action', async (t) => {
  const dir = t.testdir({ 'state.json': JSON.stringify({ links: [], routes4: [], routes6: [], daemon_json: null, argv: [] }) })
  const rows: [string[], RegExp, string[]][] = [
    [['--debug', 'stray'], /dockerd takes no arguments and will refuse "stray"/, ['dockerd', '--debug', 'stray']],
    [['--debug', '--log-level'], /--log-level needs a value and has none/, ['dockerd', '--debug', '--log-level']],
    [['sh', '-c', 'x'], /not dockerd/, ['sh', '-c', 'x']],
    [['dockerd', '--version'], /no daemon to start/, ['dockerd', '--version']],
    [['dockerd-entrypoint.sh', 'docker', 'info'], /not dockerd: dockerd-entrypoint.sh runs docker/, ['dockerd-entrypoint.sh', 'docker', 'info']],
  ]
  for (const [words, why, command] of rows) {
    const human = fakes()
    t.equal(await main(['plan', '--state', `${dir}/state.json`, '--', ...words], {}, human.deps), 1, `${words.join(' ')}: exit 1, no plan to carry out`)
    t.match(human.stdout(), why, `${words.join(' ')}: the reason`)
    t.notMatch(human.stdout(), /--mtu=1450|clamp-mss/, `${words.join(' ')}: no planned flag or action`)
    t.match(human.stdout(), new RegExp(`\ncommand: {2}${command.join(' ')}\n$`), `${words.join(' ')}: the command a start execs`)
    const json = fakes()
    t.equal(await main(['plan', '--json', '--', ...words], {}, json.deps), 1)
    const printed = JSON.parse(json.stdout()) as Plan
    t.match(printed, { args: command.slice(1), actions: [], error: why }, `${words.join(' ')}: --json says the same`)
    t.same(json.reads, [], 'the machine is not read: a start would not read it either')
  }
  // A start's command line, read as the start path reads it: `dockerd` first is the program.
  const named = fakes()
  t.equal(await main(['plan', '--state', `${dir}/state.json`, '--', 'dockerd', '--debug'], {}, named.deps), 0)
  t.match(named.stdout(), /\ncommand: {2}dockerd --debug --mtu=1450\n$/)
  // After reading: the snapshot's daemon.json sets what a flag sets too.
  const clash = t.testdir({ 'state.json': JSON.stringify({ links: [], routes4: [], routes6: [], daemon_json: { hosts: ['unix:///x.sock'] }, argv: ['-H', 'fd://'] }) })
  const c = fakes()
  t.equal(await main(['plan', '--state', `${clash}/state.json`, '--json'], {}, c.deps), 1)
  t.match(JSON.parse(c.stdout()), { args: ['-H', 'fd://'], actions: [], error: /"hosts" is set both in daemon.json and as a flag \(-H fd:\/\/\); dockerd refuses to start on it/ })
})

t.test('plan without --state reads this machine, with the args after --', async (t) => {
  const f = fakes()
  t.equal(await main(['plan', '--json', '--autonet-no-conntrack', '--', '--mtu', '1400'], {}, f.deps), 0)
  t.match(f.reads, [{ argv: ['--mtu', '1400'], withConntrack: false, withVersion: true, dockerdCommand: 'dockerd' }])
  t.same(JSON.parse(f.stdout()).args, ['--mtu', '1400', '--mtu=1450'])
})

t.test('plan --state: unreadable or malformed files exit 2 naming the file (and line:column)', async (t) => {
  const dir = t.testdir({
    'bad.json': '{\n  "links": [],\n  "routes4": [,]\n}\n',
    'list.json': '[1, 2]',
    'links.json': '{"links": {"eth0": {}}}',
    'errors.json': '{"links": [], "routes4": [], "routes6": [], "daemon_json": null, "argv": [], "read_errors": [{"a": 1}]}',
  })
  const rows: [string, RegExp][] = [
    [`${dir}/missing.json`, /error: cannot read state file .*missing\.json: ENOENT/],
    [`${dir}/bad.json`, /error: state file .*bad\.json:3:15: not valid JSON/],
    [`${dir}/list.json`, /error: state file .*list\.json: not a snapshot: expected a JSON object \(a snapshot\), got a list/],
    [`${dir}/links.json`, /error: state file .*links\.json: not a snapshot: links: expected a list, got object/],
    [`${dir}/errors.json`, /error: state file .*errors\.json: not a snapshot: read_errors: expected a list of strings/],
  ]
  for (const [file, message] of rows) {
    const f = fakes()
    t.equal(await main(['plan', '--state', file], {}, f.deps), 2, file)
    t.match(f.log.lines.join('\n'), message)
    t.equal(f.stdout(), '')
  }
})

t.test('plan --state given twice is a usage error naming --state; a snapshot missing a required field is refused naming it', async (t) => {
  const full = { links: [], routes4: [], routes6: [], daemon_json: null, argv: [] }
  const { links: _links, ...noLinks } = full
  const { argv: _argv, ...noArgv } = full
  const dir = t.testdir({
    'a.json': JSON.stringify(full), 'b.json': JSON.stringify(full), 'empty.json': '{}',
    'no-links.json': JSON.stringify(noLinks), 'no-argv.json': JSON.stringify(noArgv),
    'no-mac.json': JSON.stringify({ ...full, links: [{ name: 'eth0', mtu: 1500, type: 'veth', up: true }] }),
    'optional.json': JSON.stringify({ ...full, links: [{ name: 'eth0', mtu: 1500, mac: null, type: 'veth', up: true }], routes4: [{ dst: 'default', dev: 'eth0' }] }),
  })
  for (const argv of [['--state', `${dir}/a.json`, '--state', `${dir}/b.json`], [`--state=${dir}/a.json`, `--state=${dir}/a.json`]]) {
    const f = fakes()
    t.equal(await main(['plan', ...argv], {}, f.deps), 2, argv.join(' '))
    t.match(f.log.lines.join('\n'), /error: plan: --state given 2 times .*; give one snapshot file/)
    t.equal(f.stdout(), '')
  }
  const empty = fakes()
  t.equal(await main(['plan', '--state='], {}, empty.deps), 2)
  t.match(empty.log.lines.join('\n'), /error: plan: --state needs a snapshot file, got an empty value/, 'an empty value names --state, not a file called ""')
  const rows: [string, RegExp][] = [
    ['empty.json', /not a snapshot: links: missing \(required\); routes4: missing \(required\); routes6: missing \(required\); daemon_json: missing \(required; null when there is none\); argv: missing \(required\)/],
    ['no-links.json', /not a snapshot: links: missing \(required\)$/m],
    ['no-argv.json', /not a snapshot: argv: missing \(required\)$/m],
    ['no-mac.json', /not a snapshot: links\[0\] \(eth0\)\.mac: missing \(required; null when unknown\)$/m],
  ]
  for (const [file, message] of rows) {
    const f = fakes()
    t.equal(await main(['plan', '--state', `${dir}/${file}`], {}, f.deps), 2, file)
    t.match(f.log.lines.join('\n'), message, file)
  }
  const f = fakes()
  t.equal(await main(['plan', '--state', `${dir}/optional.json`, '--json'], {}, f.deps), 0, 'fields the contract marks optional (rules, conntrack, env, dockerd_version, route gw/metric/mtu/table) stay optional')
})

t.test('plan and snapshot: bad own arguments exit 2; --help prints their help', async (t) => {
  for (const argv of [['plan', '--bogus'], ['plan', '--state'], ['plan', 'extra'], ['snapshot', '--json']]) {
    const f = fakes()
    t.equal(await main(argv, {}, f.deps), 2, argv.join(' '))
    t.match(f.log.lines.join('\n'), new RegExp(`error: ${argv[0]}: `))
  }
  const f = fakes()
  t.equal(await main(['plan', '--help'], {}, f.deps), 0)
  t.match(f.stdout(), /--state/)
})

t.test('snapshot prints this machine\'s state as JSON, conntrack and version included', async (t) => {
  const f = fakes()
  t.equal(await main(['snapshot', '--', '-H', 'fd://'], {}, f.deps), 0)
  t.same(JSON.parse(f.stdout()), { links: [], routes4: [], routes6: [], daemon_json: null, argv: ['-H', 'fd://'] })
  t.match(f.reads, [{ withConntrack: true, withVersion: true }])
})

t.test('plan or snapshot failing inside our code: exit 70 with the error logged', async (t) => {
  const f = fakes({ readState: async () => { throw new Error('reader bug') } })
  t.equal(await main(['snapshot'], {}, f.deps), 70)
  t.match(f.log.lines.join('\n'), /error: internal error: Error: reader bug/)
})

t.test('--autonet-conntrack-watch: the watch starts before dockerd, dockerd runs as our child, the watch stops after', async (t) => {
  const calls: { argv: string[], daemonJson: unknown }[] = []
  const resident: (boolean | undefined)[] = []
  const f = fakes({
    // (daemon.json "hosts" with -H would make dockerd refuse, and us step aside.)
    readState: async (o) => ({ links: [], routes4: [], routes6: [], daemon_json: { debug: true }, argv: o.argv }),
    conntrackWatch: async (o) => {
      calls.push({ argv: o.argv, daemonJson: o.daemonJson })
      f.events.push('watch start')
      return { stop: async () => { f.events.push('watch stop') } }
    },
    exec: async (_cmd, _args, o) => { resident.push(o.resident); f.events.push('exec'); return 3 },
  })
  t.equal(await main(['--autonet-conntrack-watch', '-H', 'unix:///d.sock'], {}, f.deps), 3, 'dockerd\'s exit code')
  t.same(f.events, ['plan', 'apply clamp-mss', 'watch start', 'exec', 'watch stop'])
  t.same(calls, [{ argv: ['-H', 'unix:///d.sock', '--mtu=1450'], daemonJson: { debug: true } }], 'the final argv and daemon.json')
  t.same(resident, [true], 'spawned, not exec\'d, so the watch can run')

  const off = fakes({ conntrackWatch: async () => { throw new Error('must not start') } })
  await main(['-H', 'unix:///d.sock'], {}, off.deps)
  t.same(off.events, ['read', 'plan', 'apply clamp-mss', 'exec'], 'off by default')
})

t.test('--autonet-conntrack-watch behind the dind entrypoint: the watch gets the --host flags the entrypoint gives dockerd', async (t) => {
  const calls: string[][] = []
  const f = fakes({
    conntrackWatch: async (o) => { calls.push(o.argv); return { stop: async () => {} } },
    exec: async () => 0,
  })
  t.equal(await main(['--autonet-conntrack-watch', 'dockerd-entrypoint.sh', '--debug'], { DOCKER_HOST: 'unix:///run/other.sock' }, f.deps), 0)
  t.same(calls, [['--host=unix:///run/other.sock', '--host=tcp://0.0.0.0:2375', '--debug', '--mtu=1450']])
})

t.test('--autonet-conntrack-watch failing to start: logged, dockerd starts as usual', async (t) => {
  const resident: (boolean | undefined)[] = []
  const f = fakes({
    conntrackWatch: async () => { throw new Error('no socket') },
    exec: async (_cmd, _args, o) => { resident.push(o.resident); return 0 },
  })
  t.equal(await main([], { DOCKERD_AUTONET_CONNTRACK_WATCH: '1' }, f.deps), 0)
  t.match(f.log.lines.join('\n'), /warn: conntrack watch not started: no socket/)
  t.same(resident, [false])
})

t.test('a dockerd version given in advance is recorded and the --version probe is skipped', async (t) => {
  const given = fakes()
  await main(['--autonet-dockerd-version=29.7.2', '--debug'], {}, given.deps)
  t.match(given.reads[0], { withVersion: false, dockerdVersion: '29.7.2' })
  const probed = fakes()
  await main(['--debug'], {}, probed.deps)
  t.match(probed.reads[0], { withVersion: true, dockerdVersion: null })
})

t.test('the apply phase is bounded as a whole: one deadline shared by every command, later actions skipped', async (t) => {
  // A fake clock: each command "takes" 4 s of a 10 s budget, so the third one gets what is left.
  let clock = 0
  const timeouts: number[] = []
  const slow = (ms: number): Runner => async () => { timeouts.push(ms); clock += 4000; return { stdout: '', exitCode: 0 } }
  const realNow = Date.now
  Date.now = () => clock
  t.teardown(() => { Date.now = realNow })
  const run = deadlineRunner(10_000, 10_000, slow)
  for (let i = 0; i < 4; i++) await run('conntrack', ['-D'])
  t.same(timeouts, [10_000, 6000, 2000], 'each command gets the time left, not its own 10 s')
  t.equal((await run('conntrack', ['-D'])).exitCode, EXIT_TIMED_OUT, 'past the deadline a command is not started')

  const log = memoryLogger()
  const applied: string[] = []
  let now = 0
  const step = async (a: Action) => { applied.push(a.type); now += 8000 }
  await applyActions([clamp, { type: 'conntrack-delete', entries: [], reason: 'x' } as unknown as Action, clamp], {
    log, deadline: 15_000, now: () => now, appliers: { 'clamp-mss': step, 'conntrack-delete': step as never },
  })
  t.same(applied, ['clamp-mss', 'conntrack-delete'], 'the action after the deadline is not started')
  t.match(log.lines.join('\n'), /apply deadline reached: 1 action\(s\) not applied \(clamp-mss\); starting dockerd/)
})

t.test('the shim\'s argv bytes (DOCKERD_WRAPPED_RAW_ARGV) reach exec for the user\'s words, read once; a mismatch is one warning', async (t) => {
  const bytes = Uint8Array.from([...Buffer.from('--label=k='), 0xff])
  const text = Buffer.from(bytes).toString('utf8')
  const argv = ['/usr/local/bin/dockerd', '--autonet-max-mtu=9000', text]
  const env = { DOCKERD_WRAPPED_RAW_ARGV: `- - x${Buffer.from(bytes).toString('hex')}` }
  const seen: { args: string[], raw: unknown, env: unknown }[] = []
  const exec: MainDeps['exec'] = async (_cmd, args, o) => { seen.push({ args, raw: o.raw, env: o.env.DOCKERD_WRAPPED_RAW_ARGV }); return 0 }
  const f = fakes({ exec })
  t.equal(await main(argv, env, f.deps), 0)
  t.same(seen, [{ args: [text, '--mtu=1450'], raw: [{ text, bytes }], env: undefined }], 'planned on the lossy string; the bytes handed to exec; the carrier not passed on')
  const aside = fakes({ exec })
  seen.length = 0
  t.equal(await main([...argv, '--autonet-debug=maybe'], { ...env, DOCKERD_WRAPPED_RAW_ARGV: `${env.DOCKERD_WRAPPED_RAW_ARGV} -` }, aside.deps), 0)
  t.same(seen.map((s) => s.raw), [[{ text, bytes }]], 'stepping aside too')
  const stale = fakes({ exec })
  seen.length = 0
  t.equal(await main(['--debug', text], env, stale.deps), 0)
  t.same(seen.map((s) => s.raw), [[]], 'a carrier for another argv: no bytes')
  t.equal(stale.log.lines.filter((l) => /DOCKERD_WRAPPED_RAW_ARGV does not match this command line/.test(l)).length, 1, 'one warning')
})

t.test('bytes not UTF-8 that the exec could not carry (exec-limits.ts): decided before anything is applied, one warning, Node\'s strings', async (t) => {
  const bytes = Uint8Array.from([...Buffer.from('--label=k='), ...new Uint8Array(60_000).fill(0xff)])
  const text = Buffer.from(bytes).toString('utf8')
  const argv = ['/usr/local/bin/dockerd', '--debug', text]
  const carrier = { DOCKERD_WRAPPED_RAW_ARGV: `- - x${Buffer.from(bytes).toString('hex')}` }
  const seen: { args: string[], raw: unknown }[] = []
  const exec: MainDeps['exec'] = async (_cmd, args, o) => { seen.push({ args, raw: o.raw }); f.events.push('exec'); return 0 }
  // An environment that leaves room for the user's own exec (60,000 bytes), not for the shell's (4 characters a byte).
  const filler: Record<string, string> = {}
  for (let left = execRoom() - 200_000, i = 0; left > 0; left -= 100_000, i++) filler[`FILL${i}`] = 'a'.repeat(Math.min(left, 100_000))
  let f = fakes({ exec })
  t.equal(await main(argv, { ...carrier, ...filler }, f.deps), 0)
  t.same(f.events, ['read', 'plan', 'exec'], 'nothing applied')
  t.same(seen, [{ args: ['--debug', text], raw: [] }], 'nothing appended; Node\'s strings, no bytes to put back')
  const warned = f.log.lines.filter((l) => /cannot put back/.test(l))
  t.equal(warned.length, 1, 'one warning')
  t.match(warned[0], /warn: cannot put back the bytes of your arguments that are not UTF-8: the arguments and environment would be \d+ bytes, past the kernel's \d+ for one exec .*; nothing applied or appended, starting \/usr\/local\/bin\/dockerd with your arguments unchanged, those as Node decoded them/)
  // Without the filler it fits: planned, applied, the bytes handed to exec.
  seen.length = 0
  f = fakes({ exec })
  t.equal(await main(argv, carrier, f.deps), 0)
  t.same(f.events, ['read', 'plan', 'apply clamp-mss', 'exec'])
  t.same(seen.map((s) => s.args), [['--debug', text, '--mtu=1450']])
  const [handed] = seen[0].raw as { text: string, bytes: Uint8Array }[]
  t.ok(handed.text === text && Buffer.from(handed.bytes).equals(Buffer.from(bytes)), 'the bytes handed to exec (compared as a Buffer: tap\'s deep compare of 60,000 elements is slow)')
  t.notMatch(f.log.lines.join('\n'), /cannot put back/)
})

t.test('an exec our flags would push past the kernel\'s limit (E2BIG) is known before anything is applied: nothing applied or appended (trial 5: the clamp stayed, dockerd never started)', async (t) => {
  const argv = ['--debug', `--label=k=${'x'.repeat(50_000)}`]
  const seen: { cmd: string, args: string[], env: Record<string, string | undefined> }[] = []
  const exec: MainDeps['exec'] = async (cmd, args, o) => { seen.push({ cmd, args, env: o.env }); f.events.push('exec'); return 0 }
  // What the exec of the user's words alone and of the planned words carries, in the kernel's count.
  // No such PATH: the program is not found, so its path counts at its longest (PATH_MAX).
  const envIn = { PATH: '/nonexistent-dir' }
  let f = fakes({ exec, execRoom: () => 10 << 20 })
  t.equal(await main(argv, envIn, f.deps), 0)
  t.same(f.events, ['read', 'plan', 'apply clamp-mss', 'exec'], 'room enough: planned and applied')
  const env = Object.fromEntries(Object.entries(seen[0].env).filter(([, v]) => v !== undefined)) as Record<string, string>
  const size = (words: string[]) => Number(/would be (\d+) bytes/.exec(execTooBig(seen[0].cmd, [seen[0].cmd, ...words], env, 0) ?? '')?.[1])
  const alone = size(argv)
  t.equal(size(seen[0].args), alone + '--mtu=1450'.length + 1 + 8, 'the planned exec carries --mtu=1450, its NUL and its pointer more')
  for (const room of [alone, alone + 18]) {
    seen.length = 0
    f = fakes({ exec, execRoom: () => room + PATH_MAX })
    t.equal(await main(argv, envIn, f.deps), 0)
    t.same(f.events, ['read', 'plan', 'exec'], `room ${room}: nothing applied`)
    t.same(seen.map((x) => x.args), [argv], 'the user\'s words exactly, nothing appended')
    const warned = f.log.lines.filter((l) => /cannot add our flags/.test(l))
    t.equal(warned.length, 1, 'one line')
    t.match(warned[0], new RegExp(`warn: cannot add our flags: the arguments and environment would be ${alone + 19} bytes, past the kernel's ${room} for one exec .*; nothing applied or appended, starting dockerd with your arguments unchanged$`))
  }
  seen.length = 0
  // 100 bytes short: more than our hand-over count takes (37 bytes), so without it too.
  f = fakes({ exec, execRoom: () => alone - 100 + PATH_MAX })
  t.equal(await main(argv, envIn, f.deps), 0)
  t.same(f.events, ['read', 'plan', 'exec'], 'too big even alone: nothing applied either')
  t.match(f.log.lines.join('\n'), /your arguments alone do not fit either: the kernel will refuse that exec too/)
  seen.length = 0
  f = fakes({ exec, execRoom: () => alone + 19 + PATH_MAX })
  t.equal(await main(argv, envIn, f.deps), 0)
  t.same(f.events, ['read', 'plan', 'apply clamp-mss', 'exec'], 'exactly the room: planned')
  t.same(seen.map((x) => x.args), [[...argv, '--mtu=1450']])
  // A program found is measured by the path the exec gets: no margin (trial 6: 4 KiB too early,
  // and "your arguments alone do not fit either" for an exec that then ran).
  const dir = t.testdir({ dockerd: '#!/bin/sh\n' })
  fs.chmodSync(path.join(dir, 'dockerd'), 0o755)
  const onPath = { PATH: dir }
  seen.length = 0
  f = fakes({ exec, execRoom: () => 10 << 20 })
  await main(argv, onPath, f.deps)
  const foundEnv = Object.fromEntries(Object.entries(seen[0].env).filter(([, v]) => v !== undefined)) as Record<string, string>
  const found = (words: string[]) => Number(/would be (\d+) bytes/.exec(execTooBig(path.join(dir, 'dockerd'), ['dockerd', ...words], foundEnv, 0) ?? '')?.[1])
  const planned = found([...argv, '--mtu=1450'])
  for (const [room, events] of [[planned, ['read', 'plan', 'apply clamp-mss', 'exec']], [planned - 1, ['read', 'plan', 'exec']]] as const) {
    seen.length = 0
    f = fakes({ exec, execRoom: () => room })
    await main(argv, onPath, f.deps)
    t.same(f.events, events, `found on PATH, room ${room} for ${planned} bytes`)
    if (room < planned) t.match(f.log.lines.join('\n'), new RegExp(`past the kernel's ${room} for one exec .*with your arguments unchanged$`, 'm'))
    t.notMatch(f.log.lines.join('\n'), /alone do not fit/, 'the user\'s words alone fit')
  }
  // plan -- WORDS counts the environment a start hands on (its hand-over count): the same answer (trial 6: 37 bytes apart).
  for (const room of [planned, planned - 1]) {
    const p = fakes({ exec, execRoom: () => room })
    const code = await main(['plan', '--', ...argv], onPath, p.deps)
    t.equal(code, room < planned ? 1 : 0, `plan -- WORDS, room ${room}`)
  }
})

t.test('a dry run and `plan -- WORDS` show a program that cannot be run as a start carries it out: stepped aside, nothing applied or appended (trial 5: the dry run showed the clamp and --mtu, the start exited 127)', async (t) => {
  const canRun: MainDeps['canRun'] = async (cmd) => cmd === '/nonexistent' ? 'not found' : null
  const dry = fakes({ canRun })
  t.equal(await main(['--autonet-dry-run', '--autonet-exec=/nonexistent', '--debug'], {}, dry.deps), 0)
  t.same(dry.events, ['read', 'plan'], 'nothing applied or started')
  t.match(dry.stdout(), /^error: {4}cannot run \/nonexistent \(not found\): nothing applied or appended$/m)
  t.match(dry.stdout(), /^command: {2}\/nonexistent --debug$/m, 'the user\'s words only')
  t.notMatch(dry.stdout(), /clamp-mss/)
  const plan = fakes({ canRun })
  t.equal(await main(['plan', '--', '--autonet-exec=/nonexistent', '--debug'], {}, plan.deps), 1, 'plan -- WORDS: exit 1, as for any step-aside')
  t.match(plan.stdout(), /^error: {4}cannot run \/nonexistent \(not found\): nothing applied or appended$/m)
  t.match(plan.stdout(), /^command: {2}\/nonexistent --debug$/m)
  // A bare `plan` shows the plan for the dockerd that would start here, installed or not yet.
  const bare = fakes({ canRun: async () => 'not found' })
  t.equal(await main(['plan'], {}, bare.deps), 0)
  t.match(bare.stdout(), /^command: {2}dockerd --mtu=1450$/m)
  // A program that can be run: planned as before.
  const fine = fakes({ canRun })
  t.equal(await main(['--autonet-dry-run', '--autonet-exec=/usr/bin/dockerd', '--debug'], {}, fine.deps), 0)
  t.match(fine.stdout(), /^command: {2}\/usr\/bin\/dockerd --debug --mtu=1450$/m)
})

t.test('a dry run shows an exec past the kernel\'s limit as a start carries it out: stepped aside', async (t) => {
  const argv = ['--autonet-dry-run', '--debug', `--label=k=${'x'.repeat(5000)}`]
  const f = fakes({ execRoom: () => 5000 + PATH_MAX })
  t.equal(await main(argv, {}, f.deps), 0)
  t.same(f.events, ['read', 'plan'])
  t.match(f.stdout(), /^error: {4}cannot add our flags: the arguments and environment would be \d+ bytes, past the kernel's 5000 for one exec .*; nothing applied or appended$/m)
  t.match(f.stdout(), /^command: {2}dockerd --debug --label=k=x+$/m)
})

t.test('through dockerd-entrypoint.sh, the flags it adds on its way to dockerd count in the exec\'s size (trial 6: a long DOCKER_TLS_CERTDIR, E2BIG after the clamp)', async (t) => {
  const seen: { cmd: string, args: string[], env: Record<string, string | undefined> }[] = []
  const exec: MainDeps['exec'] = async (cmd, args, o) => { seen.push({ cmd, args, env: o.env }); f.events.push('exec'); return 0 }
  const env = { PATH: '/nonexistent-dir', DOCKER_TLS_CERTDIR: `/${'c'.repeat(3000)}` }
  let f = fakes({ exec, execRoom: () => 10 << 20 })
  t.equal(await main(['dockerd-entrypoint.sh', '--debug'], env, f.deps), 0)
  t.same(seen[0].args, ['--debug', '--mtu=1450'], 'planned with room enough')
  const handed = Object.fromEntries(Object.entries(seen[0].env).filter(([, v]) => v !== undefined)) as Record<string, string>
  const withoutScript = Number(/would be (\d+) bytes/.exec(execTooBig(seen[0].cmd, [seen[0].cmd, ...seen[0].args], handed, 0) ?? '')?.[1])
  seen.length = 0
  f = fakes({ exec, execRoom: () => withoutScript + 100 + PATH_MAX })
  t.equal(await main(['dockerd-entrypoint.sh', '--debug'], env, f.deps), 0)
  t.same(f.events, ['read', 'plan', 'exec'], 'nothing applied: the script\'s 9,000 bytes of certificate paths do not fit')
  t.same(seen.map((x) => x.args), [['--debug']])
  t.match(f.log.lines.join('\n'), /cannot add our flags: the arguments and environment would be \d+ bytes/)
})

t.test('where only our hand-over count keeps the user\'s exec from fitting, dockerd starts without it (trial 7: exit 126, E2BIG, for an exec that fits without DOCKERD_WRAPPED_BY_AUTONET)', async (t) => {
  const argv = ['--debug', `--label=k=${'x'.repeat(5000)}`]
  const seen: { args: string[], env: Record<string, string | undefined> }[] = []
  const exec: MainDeps['exec'] = async (_cmd, args, o) => { seen.push({ args, env: o.env }); f.events.push('exec'); return 0 }
  const envIn = { PATH: '/nonexistent-dir' }
  let f = fakes({ exec, execRoom: () => 10 << 20 })
  await main(argv, envIn, f.deps)
  const handed = Object.fromEntries(Object.entries(seen[0].env).filter(([, v]) => v !== undefined)) as Record<string, string>
  t.equal(handed.DOCKERD_WRAPPED_BY_AUTONET, '1')
  const size = (env: Record<string, string>) => Number(/would be (\d+) bytes/.exec(execTooBig('dockerd', ['dockerd', ...argv], env, 0) ?? '')?.[1])
  const { DOCKERD_WRAPPED_BY_AUTONET: _, ...without } = handed
  const alone = size(without)
  t.equal(size(handed), alone + 'DOCKERD_WRAPPED_BY_AUTONET=1'.length + 1 + 8, 'the variable, its NUL and its pointer')
  seen.length = 0
  f = fakes({ exec, execRoom: () => alone + PATH_MAX })
  t.equal(await main(argv, envIn, f.deps), 0)
  t.same(f.events, ['read', 'plan', 'exec'], 'nothing applied')
  t.same(seen.map((x) => x.args), [argv], 'the user\'s words')
  t.equal(seen[0].env.DOCKERD_WRAPPED_BY_AUTONET, undefined, 'without the hand-over count')
  t.match(f.log.lines.join('\n'), /and without DOCKERD_WRAPPED_BY_AUTONET, which is what would not fit \(the loop guard is off for this dockerd\)$/m)
  seen.length = 0
  f = fakes({ exec, execRoom: () => alone - 1 + PATH_MAX })
  await main(argv, envIn, f.deps)
  t.equal(seen[0].env.DOCKERD_WRAPPED_BY_AUTONET, '1', 'too big without it too: kept, and said')
  t.match(f.log.lines.join('\n'), /your arguments alone do not fit either/)
})

t.test('a plan with an error logs no reason lines for flags it does not pass (trial 7)', async (t) => {
  const f = fakes({ plan: (state: MachineState): Plan => ({ egress: 'eth0', mtu: 1450, args: [...state.argv!, '--mtu=1450'], warnings: [], reasons: ['--mtu=1450: egress eth0'], error: 'cannot do what was asked', actions: [clamp] }) })
  t.equal(await main(['--debug'], {}, f.deps), 0)
  t.same(f.execs, [['dockerd', '--debug']])
  t.notMatch(f.log.lines.join('\n'), /--mtu=1450: egress eth0/)
  t.match(f.log.lines.join('\n'), /error: cannot do what was asked; starting dockerd with your arguments unchanged/)
})
