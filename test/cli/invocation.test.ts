import t from 'tap'
import { DEFAULT_PLAN_OPTIONS } from '../../src/model.js'
import { readInvocation, type Invocation } from '../../src/cli/invocation.js'
import { envName, OPTIONS } from '../../src/cli/options.js'
import { UsageError } from '../../src/cli/usage-error.js'

/** The parts of a route a table row states; `ours` is checked separately. */
const shape = (r: Invocation) => ({ mode: r.mode, command: r.program === null ? [] : [r.program], dockerdArgs: r.dockerdArgs, subcommandArgs: r.subcommandArgs })

t.test('routing table: argv forms', async (t) => {
  const rows: [string[], ReturnType<typeof shape>][] = [
    [[], { mode: 'run', command: ['dockerd'], dockerdArgs: [], subcommandArgs: [] }],
    [['--tls=false'], { mode: 'run', command: ['dockerd'], dockerdArgs: ['--tls=false'], subcommandArgs: [] }],
    [['dockerd', '--debug'], { mode: 'run', command: ['dockerd'], dockerdArgs: ['--debug'], subcommandArgs: [] }],
    [['/usr/local/bin/dockerd', '-D'], { mode: 'run', command: ['/usr/local/bin/dockerd'], dockerdArgs: ['-D'], subcommandArgs: [] }],
    [['dockerd-entrypoint.sh', '--registry-mirror=x'],
      { mode: 'run', command: ['dockerd-entrypoint.sh'], dockerdArgs: ['--registry-mirror=x'], subcommandArgs: [] }],
    [['-H', 'fd://', '--autonet-max-mtu=9000', '--mtu', '1400'],
      { mode: 'run', command: ['dockerd'], dockerdArgs: ['-H', 'fd://', '--mtu', '1400'], subcommandArgs: [] }],
    // After `--` pflag reads arguments, and dockerd takes none: it will refuse, so nothing is planned.
    [['--autonet-debug', '--', '--debug', '--autonet-dry-run'],
      { mode: 'exec', command: ['dockerd'], dockerdArgs: ['--', '--debug'], subcommandArgs: [] }],
    [['--debug', '--'], { mode: 'run', command: ['dockerd'], dockerdArgs: ['--debug', '--'], subcommandArgs: [] }],
    [['--autonet-exec=/opt/dockerd', '--debug'], { mode: 'run', command: ['/opt/dockerd'], dockerdArgs: ['--debug'], subcommandArgs: [] }],
    [['--autonet-disable', '-H', 'fd://'], { mode: 'exec', command: ['dockerd'], dockerdArgs: ['-H', 'fd://'], subcommandArgs: [] }],
    [['sh', '-c', 'echo --autonet-debug', '--autonet-debug'],
      { mode: 'exec', command: ['sh'], dockerdArgs: ['-c', 'echo --autonet-debug', '--autonet-debug'], subcommandArgs: [] }],
    [['./my-script', '--mtu=1'], { mode: 'exec', command: ['./my-script'], dockerdArgs: ['--mtu=1'], subcommandArgs: [] }],
    [['plan'], { mode: 'plan', command: ['dockerd'], dockerdArgs: [], subcommandArgs: [] }],
    [['plan', '--state', 'f.json', '--json', '--autonet-max-mtu=9000', '--', '--mtu', '1400'],
      { mode: 'plan', command: ['dockerd'], dockerdArgs: ['--mtu', '1400'], subcommandArgs: ['--state', 'f.json', '--json'] }],
    [['--autonet-max-mtu=9000', 'plan', '--json'], { mode: 'plan', command: ['dockerd'], dockerdArgs: [], subcommandArgs: ['--json'] }],
    [['snapshot', '--', '-H', 'fd://'], { mode: 'snapshot', command: ['dockerd'], dockerdArgs: ['-H', 'fd://'], subcommandArgs: [] }],
    [['help'], { mode: 'help', command: [], dockerdArgs: [], subcommandArgs: [] }],
    [['--help'], { mode: 'help', command: [], dockerdArgs: [], subcommandArgs: [] }],
    [['version'], { mode: 'version', command: [], dockerdArgs: [], subcommandArgs: [] }],
    [['--version'], { mode: 'version', command: [], dockerdArgs: [], subcommandArgs: [] }],
    // dockerd's own -h/-v and a later --help stay dockerd's, passed through untouched: no daemon
    // starts, so nothing is planned or applied (the image's dockerd shim sees `dockerd --version`).
    [['-v'], { mode: 'exec', command: ['dockerd'], dockerdArgs: ['-v'], subcommandArgs: [] }],
    [['--debug', '--help'], { mode: 'exec', command: ['dockerd'], dockerdArgs: ['--debug', '--help'], subcommandArgs: [] }],
    [['/usr/local/bin/dockerd', '--version'], { mode: 'exec', command: ['/usr/local/bin/dockerd'], dockerdArgs: ['--version'], subcommandArgs: [] }],
    [['dockerd', '--validate', '--config-file=/x.json'], { mode: 'exec', command: ['dockerd'], dockerdArgs: ['--validate', '--config-file=/x.json'], subcommandArgs: [] }],
    [['--version=true'], { mode: 'exec', command: ['dockerd'], dockerdArgs: ['--version=true'], subcommandArgs: [] }],
    [['--debug', '--version=false'], { mode: 'run', command: ['dockerd'], dockerdArgs: ['--debug', '--version=false'], subcommandArgs: [] }],
    // A positional word: dockerd refuses it ("accepts no arguments"), so nothing is applied or appended.
    [['dockerd', 'plan'], { mode: 'exec', command: ['dockerd'], dockerdArgs: ['plan'], subcommandArgs: [] }],
    [['--debug', 'stray'], { mode: 'exec', command: ['dockerd'], dockerdArgs: ['--debug', 'stray'], subcommandArgs: [] }],
    [['-Dl', 'debug'], { mode: 'run', command: ['dockerd'], dockerdArgs: ['-Dl', 'debug'], subcommandArgs: [] }],
    [['--mtu', '1400', '-H', 'fd://', '--some-new-flag', 'x'], { mode: 'run', command: ['dockerd'], dockerdArgs: ['--mtu', '1400', '-H', 'fd://', '--some-new-flag', 'x'], subcommandArgs: [] }],
    // Our valued options take the next word too (a YAML list writes ["--autonet-max-mtu", "9000"]).
    [['--autonet-max-mtu', '9000', '--debug'], { mode: 'run', command: ['dockerd'], dockerdArgs: ['--debug'], subcommandArgs: [] }],
    [['--debug', '--autonet-exec', '/opt/dockerd', '-H', 'fd://'], { mode: 'run', command: ['/opt/dockerd'], dockerdArgs: ['--debug', '-H', 'fd://'], subcommandArgs: [] }],
    // The dind entrypoint reaches dockerd only with flags or `dockerd` first; else it execs its arguments.
    [['dockerd-entrypoint.sh', 'dockerd', '--debug'], { mode: 'run', command: ['dockerd-entrypoint.sh'], dockerdArgs: ['--debug'], subcommandArgs: [] }],
    [['dockerd-entrypoint.sh'], { mode: 'run', command: ['dockerd-entrypoint.sh'], dockerdArgs: [], subcommandArgs: [] }],
    [['dockerd-entrypoint.sh', 'docker', 'info'], { mode: 'exec', command: ['dockerd-entrypoint.sh'], dockerdArgs: ['docker', 'info'], subcommandArgs: [] }],
  ]
  for (const [argv, want] of rows) t.same(shape(readInvocation(argv, {})), want, JSON.stringify(argv))
})

t.test('our options: defaults, env, flags, and the flag wins', async (t) => {
  t.same(readInvocation([], {}).ours, { dryRun: false, exec: null, disable: false, debug: false, conntrackWatch: false, probe: null, dockerdVersion: null, plan: DEFAULT_PLAN_OPTIONS })

  const all = readInvocation([
    '--autonet-dry-run', '--autonet-exec=/x/dockerd', '--autonet-max-mtu=9000', '--autonet-mtu-scope=all-routes',
    '--autonet-no-bridge-mac', '--autonet-no-conntrack', '--autonet-no-clamp-mss', '--autonet-bridge=br-ci=10.99.0.1/24',
    '--autonet-debug', '--autonet-conntrack-watch', '--autonet-probe=192.0.2.1', '--autonet-dockerd-version=v27.3.1',
  ], {}).ours
  t.same(all, {
    dryRun: true, exec: '/x/dockerd', disable: false, debug: true, conntrackWatch: true, probe: '192.0.2.1', dockerdVersion: '27.3.1',
    plan: { maxMtu: 9000, mtuScope: 'all-routes', pinBridgeMac: false, conntrackCleanup: false, clampMss: false,
      createBridge: { name: 'br-ci', cidr: '10.99.0.1/24' } },
  })

  const env = { DOCKERD_AUTONET_MAX_MTU: '9000', DOCKERD_AUTONET_DRY_RUN: '1', DOCKERD_AUTONET_NO_CONNTRACK: 'yes', DOCKERD_AUTONET_EXEC: '' }
  const fromEnv = readInvocation(['--debug'], env).ours
  t.equal(fromEnv.plan.maxMtu, 9000)
  t.equal(fromEnv.dryRun, true)
  t.equal(fromEnv.plan.conntrackCleanup, false)
  t.equal(fromEnv.exec, null, 'an empty variable counts as unset')

  const flagWins = readInvocation(['--autonet-max-mtu=1400', '--autonet-dry-run=false', '--autonet-no-conntrack=0'], env).ours
  t.equal(flagWins.plan.maxMtu, 1400)
  t.equal(flagWins.dryRun, false)
  t.equal(flagWins.plan.conntrackCleanup, true)

  t.equal(readInvocation(['--autonet-max-mtu=1400', '--autonet-max-mtu=1300'], {}).ours.plan.maxMtu, 1300, 'the last flag wins')
  t.equal(readInvocation([], { DOCKERD_AUTONET_DISABLE: 'true' }).mode, 'exec', 'disable from env')
  t.same(readInvocation([], { DOCKERD_AUTONET_BRIDGE: 'br-v6=fd00:99::1/64' }).ours.plan.createBridge, { name: 'br-v6', cidr: 'fd00:99::1/64' })
  t.equal(readInvocation([], { DOCKERD_AUTONET_CONNTRACK_WATCH: '1' }).ours.conntrackWatch, true, 'conntrack watch from env')
  t.equal(readInvocation(['--autonet-conntrack-watch=false'], { DOCKERD_AUTONET_CONNTRACK_WATCH: '1' }).ours.conntrackWatch, false, 'the flag wins')
})

t.test('every option has its env variable, DOCKERD_AUTONET_<UPPER_SNAKE>', async (t) => {
  t.same(OPTIONS.map(envName), [
    'DOCKERD_AUTONET_DRY_RUN', 'DOCKERD_AUTONET_EXEC', 'DOCKERD_AUTONET_MAX_MTU', 'DOCKERD_AUTONET_MTU_SCOPE',
    'DOCKERD_AUTONET_NO_BRIDGE_MAC', 'DOCKERD_AUTONET_NO_CONNTRACK', 'DOCKERD_AUTONET_CONNTRACK_WATCH', 'DOCKERD_AUTONET_NO_CLAMP_MSS',
    'DOCKERD_AUTONET_BRIDGE', 'DOCKERD_AUTONET_PROBE', 'DOCKERD_AUTONET_DOCKERD_VERSION', 'DOCKERD_AUTONET_DISABLE', 'DOCKERD_AUTONET_DEBUG',
  ])
})

t.test('bad values: a UsageError (exit 2) naming the flag or variable and the value', async (t) => {
  const bad: [string[], Record<string, string>, RegExp][] = [
    [['--autonet-max-mtu=abc'], {}, /--autonet-max-mtu: "abc" \(expected an MTU in bytes/],
    [['--autonet-max-mtu=67'], {}, /--autonet-max-mtu: "67"/],
    [['--autonet-max-mtu=500'], {}, /--autonet-max-mtu: "500" \(expected an MTU in bytes, an integer from 576 to 65535\)/],
    [['--autonet-max-mtu=65536'], {}, /--autonet-max-mtu: "65536"/],
    [['--autonet-max-mtu=1e3'], {}, /--autonet-max-mtu: "1e3"/],
    [['--autonet-max-mtu'], {}, /--autonet-max-mtu needs a value: --autonet-max-mtu=N or --autonet-max-mtu N/],
    [['--autonet-max-mtu', '--debug'], {}, /--autonet-max-mtu needs a value/],
    [['--autonet-max-mtu', 'jumbo'], {}, /--autonet-max-mtu: "jumbo"/],
    [[], { DOCKERD_AUTONET_MAX_MTU: 'jumbo' }, /DOCKERD_AUTONET_MAX_MTU: "jumbo"/],
    [['--autonet-mtu-scope=everything'], {}, /--autonet-mtu-scope: "everything" \(expected default-route or all-routes\)/],
    [['--autonet-dry-run=maybe'], {}, /--autonet-dry-run: "maybe" \(expected 1, t, true, yes, on or 0, f, false, no, off, any case\)/],
    [[], { DOCKERD_AUTONET_DEBUG: '2' }, /DOCKERD_AUTONET_DEBUG: "2"/],
    [['--autonet-bridge=br-ci'], {}, /--autonet-bridge: "br-ci" \(expected NAME=CIDR/],
    [[], { DOCKERD_AUTONET_DOCKERD_VERSION: 'latest' }, /DOCKERD_AUTONET_DOCKERD_VERSION: "latest" \(expected an engine version/],
    [['--autonet-bridge=br-ci=10.99.0.1'], {}, /"10.99.0.1" is not an address with a prefix length/],
    [['--autonet-bridge=br-ci=10.99.0.1/33'], {}, /is not an address with a prefix length/],
    [['--autonet-mtu=1400'], {}, /unknown option --autonet-mtu \(see dockerd-autonet --help\)/],
    [['--debug', '--autonet-dryrun'], {}, /unknown option --autonet-dryrun \(did you mean --autonet-dry-run\? see dockerd-autonet --help\)/],
  ]
  for (const [argv, env, message] of bad) {
    const what = JSON.stringify([argv, env])
    // Subcommands (plan, snapshot, doctor) refuse a bad option: exit 2, nothing runs.
    t.throws(() => readInvocation(['plan', ...argv], env), message, `plan ${what}`)
    try { readInvocation(['plan', ...argv], env) } catch (err) {
      t.ok(err instanceof UsageError && err.exitCode === 2, 'exit code 2')
    }
    // Where dockerd is to start, a bad option must not block it: exec unchanged, error carried.
    const r = readInvocation(argv, env)
    // Our words (a valued option's next word included) never become the program or its arguments.
    const rest = argv.filter((a, i) => !a.startsWith('--autonet-') && !(a === 'jumbo' && i > 0))
    t.match(r, { mode: 'exec', program: 'dockerd', optionError: message }, `run ${what}`)
    t.same(r.dockerdArgs, rest, 'the user\'s own arguments, ours taken out')
  }
})

t.test('--autonet-bridge naming no bridge: dockerd does not start on docker0 (exit 2); a readable name is kept', async (t) => {
  for (const argv of [['--autonet-bridge=a-very-long-bridge-name=10.99.0.1/24'], ['--autonet-bridge=br/x=10.99.0.1/24'], ['--autonet-bridge=', '--debug'], ['--autonet-bridge']]) {
    t.throws(() => readInvocation(argv, {}), /not starting dockerd: without its own bridge a second daemon would share docker0/, JSON.stringify(argv))
  }
  t.throws(() => readInvocation([], { DOCKERD_AUTONET_BRIDGE: '=10.99.0.1/24' }), /DOCKERD_AUTONET_BRIDGE.*not starting dockerd/)
  // A name without a usable CIDR: dockerd is told the bridge, and uses it or fails loudly.
  t.match(readInvocation(['--autonet-bridge=br-ci', '--debug'], {}), { mode: 'exec', bridge: 'br-ci', dockerdArgs: ['--debug'], optionError: /expected NAME=CIDR/ })
  t.match(readInvocation(['--autonet-bridge=br-ci=10.99.0.1/24', '--autonet-max-mtu=x'], {}), { mode: 'exec', bridge: 'br-ci' })
  // Not dockerd: nothing of ours matters, the program runs.
  t.match(readInvocation(['sh', '-c', 'true'], { DOCKERD_AUTONET_BRIDGE: '=x' }), { mode: 'exec', program: 'sh' })
})

t.test('values are trimmed; an unknown DOCKERD_AUTONET_* variable is a warning naming the closest option, and the start steps aside', async (t) => {
  t.match(readInvocation(['--debug'], { DOCKERD_AUTONET_MAX_MTU: '9000\n', DOCKERD_AUTONET_NO_CONNTRACK: ' 1 ' }),
    { mode: 'run', ours: { plan: { maxMtu: 9000, conntrackCleanup: false } } })
  const r = readInvocation(['--debug'], { DOCKERD_AUTONET_MAX_MTU: '9000\n', DOCKERD_AUTONET_MAXMTU: '9000', DOCKERD_AUTONET_ZZZZZZZZZZZZ: '1' })
  t.match(r, { mode: 'exec', program: 'dockerd', dockerdArgs: ['--debug'], reason: 'options not understood' })
  t.same(r.warnings, [
    'unknown variable DOCKERD_AUTONET_MAXMTU (did you mean DOCKERD_AUTONET_MAX_MTU?)',
    'unknown variable DOCKERD_AUTONET_ZZZZZZZZZZZZ',
  ])
  t.equal(readInvocation(['--autonet-max-mtu= 1400 '], {}).ours.plan.maxMtu, 1400)
  t.equal(readInvocation([], { DOCKERD_AUTONET_DRY_RUN: '  ' }).ours.dryRun, false, 'blank counts as unset')
})

t.test('a dry run stays a dry run next to bad options, and an unreadable dry-run value counts as one', async (t) => {
  for (const [argv, env] of [
    [['--autonet-dry-run', '--autonet-max-mtu=abc'], {}],
    [['--autonet-max-mtu=abc'], { DOCKERD_AUTONET_DRY_RUN: '1' }],
    [['--autonet-bogus'], { DOCKERD_AUTONET_DRY_RUN: 'true' }],
    [['--autonet-dry-run=maybe'], {}],
    [[], { DOCKERD_AUTONET_DRY_RUN: 'yes please' }],
  ] as [string[], Record<string, string>][]) {
    t.match(readInvocation(argv, env), { mode: 'exec', ours: { dryRun: true } }, JSON.stringify([argv, env]))
  }
})

t.test('a flag beats its variable, which is then not even read', async (t) => {
  t.equal(readInvocation(['plan', '--autonet-max-mtu=1300'], { DOCKERD_AUTONET_MAX_MTU: 'x' }).ours.plan.maxMtu, 1300)
})

t.test('bad options with a named program or --autonet-exec: that program starts unchanged', async (t) => {
  t.match(readInvocation(['/usr/local/bin/dockerd', '--autonet-max-mtu=x', '-H', 'fd://'], {}),
    { mode: 'exec', program: '/usr/local/bin/dockerd', dockerdArgs: ['-H', 'fd://'], optionError: /--autonet-max-mtu/ })
  t.match(readInvocation(['--autonet-exec=/opt/dockerd', '--autonet-bogus'], {}), { mode: 'exec', program: '/opt/dockerd', dockerdArgs: [] })
  t.match(readInvocation(['--debug'], { DOCKERD_AUTONET_EXEC: '/opt/dockerd', DOCKERD_AUTONET_MAX_MTU: 'x' }), { mode: 'exec', program: '/opt/dockerd', dockerdArgs: ['--debug'] })
  t.match(readInvocation(['--autonet-bogus', 'sh', '-c', 'exit 7'], {}), { mode: 'exec', program: 'sh', dockerdArgs: ['-c', 'exit 7'], optionError: /unknown option --autonet-bogus/ })
})

t.test('a foreign command\'s arguments are its own, even --autonet-* ones', async (t) => {
  t.same(readInvocation(['--autonet-debug', 'sh', '--autonet-bogus'], {}).dockerdArgs, ['--autonet-bogus'])
  t.equal(readInvocation(['--autonet-debug', 'sh'], {}).ours.debug, true, 'ours before the command still count')
})

t.test('--autonet-bridge before a foreign command: one warning that no dockerd gets the bridge from us, the command untouched', async (t) => {
  const inv = readInvocation(['--autonet-bridge=br-ci=10.99.0.1/24', 'sh', '-c', 'dockerd'], {})
  t.match(inv, { mode: 'exec', program: 'sh', dockerdArgs: ['-c', 'dockerd'], bridge: null })
  t.same(inv.warnings, ['--autonet-bridge=br-ci=10.99.0.1/24 is not used: sh is not dockerd, so no dockerd gets --bridge=br-ci from us (one it starts itself lands on docker0 unless told; DOCKERD_AUTONET_BRIDGE in its environment reaches a dockerd started through the image\'s shim)'])
  t.match(readInvocation(['--autonet-bridge', 'br-ci=10.99.0.1/24', 'dockerd-entrypoint.sh', 'docker', 'info'], {}),
    { mode: 'exec', program: 'dockerd-entrypoint.sh', dockerdArgs: ['docker', 'info'], warnings: [/^--autonet-bridge=br-ci=10.99.0.1\/24 is not used: dockerd-entrypoint.sh is not dockerd/] })
  t.match(readInvocation(['plan', '--', '--autonet-bridge=br-ci=10.99.0.1/24', 'sh'], {}), { mode: 'plan', reason: 'not dockerd', warnings: [/is not used: sh is not dockerd/] })
  // The variable stays in the program's environment, where a dockerd it starts through the shim reads it again.
  t.same(readInvocation(['sh', '-c', 'dockerd'], { DOCKERD_AUTONET_BRIDGE: 'br-ci=10.99.0.1/24' }).warnings, [])
  t.same(readInvocation(['sh', '--autonet-bridge=br-ci=10.99.0.1/24'], {}).warnings, [], 'a word after the command is its own')
})

t.test('a word of ours that is no valued option takes a next word that looks like a value (takeOurs): never the program or dockerd\'s', async (t) => {
  const rows: [string[], Omit<Partial<Invocation>, 'optionError'> & { dockerdArgs: string[], optionError?: RegExp }][] = [
    // An unknown option with no near one: its value is no program (exit 127) and no positional word.
    [['--autonet-mtu', '1400', '--debug'], { mode: 'exec', program: 'dockerd', dockerdArgs: ['--debug'] }],
    [['-H', 'unix:///x', '--autonet-mtu', '1400'], { mode: 'exec', program: 'dockerd', dockerdArgs: ['-H', 'unix:///x'] }],
    [['--autonet-version', '26.1.5'], { mode: 'exec', program: 'dockerd', dockerdArgs: [] }],
    [['dockerd-entrypoint.sh', '--autonet-mtu', '1400'], { mode: 'exec', program: 'dockerd-entrypoint.sh', dockerdArgs: [] }],
    [['dockerd-entrypoint.sh', '--autonet-mtu', '1400', 'docker', 'info'], { mode: 'exec', program: 'dockerd-entrypoint.sh', dockerdArgs: ['docker', 'info'] }],
    [['dockerd', '--autonet-mtu', '-5', '--debug'], { mode: 'exec', program: 'dockerd', dockerdArgs: ['--debug'] }],
    [['--autonet-zone', 'br-ci=10.99.0.1/24', '--debug'], { mode: 'exec', program: 'dockerd', dockerdArgs: ['--debug'] }],
    // A known switch: a next word that is no switch word yet looks like a value is its (bad) value.
    [['--autonet-no-conntrack', '1400', '--debug'], { mode: 'exec', program: 'dockerd', dockerdArgs: ['--debug'], optionError: /--autonet-no-conntrack: "1400"/ }],
    [['--debug', '--autonet-debug', '26.1.5'], { mode: 'exec', program: 'dockerd', dockerdArgs: ['--debug'], optionError: /--autonet-debug: "26.1.5"/ }],
    // Not a value: a plain word may be the program, a flag is dockerd's or ours.
    [['--autonet-mtu', 'sh', '-c', 'x'], { mode: 'exec', program: 'sh', dockerdArgs: ['-c', 'x'] }],
    [['--autonet-mtu', 'dockerd', '--debug'], { mode: 'exec', program: 'dockerd', dockerdArgs: ['--debug'] }],
    [['--autonet-mtu', '/bin/sh'], { mode: 'exec', program: '/bin/sh', dockerdArgs: [] }],
    // Trial 2: a plain word that names no program is our mistake's value where it would be the
    // program (`auto`: exit 127 before), and always among dockerd's flags (a positional dockerd refuses).
    [['--autonet-mtu', 'auto', '--debug'], { mode: 'exec', program: 'dockerd', dockerdArgs: ['--debug'], optionError: /unknown option --autonet-mtu/ }],
    [['--autonet-mtu', '/usr/bin/no-such-program-here'], { mode: 'exec', program: 'dockerd', dockerdArgs: [] }],
    [['--debug', '--autonet-mtu', 'sh'], { mode: 'exec', program: 'dockerd', dockerdArgs: ['--debug'] }],
    [['--debug', '--autonet-debug', 'enabled'], { mode: 'exec', program: 'dockerd', dockerdArgs: ['--debug'], optionError: /--autonet-debug: "enabled"/ }],
    [['dockerd', '--autonet-mtu', 'auto', '--debug'], { mode: 'exec', program: 'dockerd', dockerdArgs: ['--debug'] }],
    [['dockerd-entrypoint.sh', '--autonet-mtu', 'auto'], { mode: 'exec', program: 'dockerd-entrypoint.sh', dockerdArgs: [] }],
    [['dockerd-entrypoint.sh', '--debug', '--autonet-mtu', 'auto'], { mode: 'exec', program: 'dockerd-entrypoint.sh', dockerdArgs: ['--debug'] }],
    [['dockerd-entrypoint.sh', '--autonet-mtu', 'sh'], { mode: 'exec', program: 'dockerd-entrypoint.sh', dockerdArgs: ['sh'] }],
    [['--autonet-mtu', '--mtu', '1400'], { mode: 'exec', program: 'dockerd', dockerdArgs: ['--mtu', '1400'] }],
    [['--autonet-no-conntrack', '-D'], { mode: 'run', program: 'dockerd', dockerdArgs: ['-D'] }],
  ]
  for (const [argv, want] of rows) {
    const r = readInvocation(argv, {})
    t.match(r, want, JSON.stringify(argv))
    // t.match reads an array as a pattern: dockerd's argv is compared whole.
    t.same(r.dockerdArgs, want.dockerdArgs, `${JSON.stringify(argv)}: the program's words exactly`)
    if (r.mode === 'exec') t.match(r.optionError, /^(unknown option|invalid value for) --autonet-/, `${JSON.stringify(argv)}: the mistake is logged`)
  }
  t.match(readInvocation(['--autonet-debug', 'plan'], {}), { mode: 'plan' }, 'our subcommand after a switch is the subcommand, not its value')
  // The unknown option's message names it alone; its value goes with it.
  t.match(readInvocation(['--autonet-mtu', '1400', '--debug'], {}).optionError, /^unknown option --autonet-mtu \(see dockerd-autonet --help\)$/)
})

t.test('a word of ours never swallows another of ours: a second daemon\'s bridge after a valued or unknown option still asks for its bridge', async (t) => {
  for (const argv of [
    ['--autonet-max-mtu', '\u2014autonet-bridge=br-ci=10.99.0.1/24', '--debug'],
    ['--autonet-mtu', '\u2014autonet-bridge=br-ci=10.99.0.1/24', '--debug'],
    ['--autonet-mtu', '--autonet-bridge=br-ci=10.99.0.1/24', '--debug'],
  ]) {
    t.match(readInvocation(argv, {}), { mode: 'exec', program: 'dockerd', dockerdArgs: ['--debug'], bridge: 'br-ci' }, JSON.stringify(argv))
  }
})

t.test('a dockerd shorthand with "autonet" in its attached value is dockerd\'s (pflag reads -Hunix://… as -H unix://…), not ours', async (t) => {
  const rows: [string[], string[]][] = [
    [['-Hunix:///run/autonet.sock', '--debug'], ['-Hunix:///run/autonet.sock', '--debug']],
    [['-p/run/dockerd-autonet.pid'], ['-p/run/dockerd-autonet.pid']],
    [['-Dlautonet'], ['-Dlautonet']],
    [['-H=unix:///run/autonet.sock'], ['-H=unix:///run/autonet.sock']],
    [['-bautonet0', '--autonet-debug'], ['-bautonet0']],
  ]
  for (const [argv, args] of rows) {
    const r = readInvocation(argv, {})
    t.same(r.dockerdArgs, args, `${JSON.stringify(argv)}: dockerd gets it`)
    t.equal(r.optionError, undefined, `${JSON.stringify(argv)}: no mistake of ours`)
  }
  t.match(readInvocation(['-Hunix:///run/autonet.sock', '--debug'], {}), { mode: 'run', program: 'dockerd' })
  // Still ours: no dockerd shorthand reads it (`a` is none), or it starts with --autonet- exactly.
  for (const argv of [['-autonet-dry-run'], ['-Dautonet-dry-run'], ['--autonet-Hx']]) {
    t.match(readInvocation(argv, {}), { dockerdArgs: [], optionError: /unknown option/ }, JSON.stringify(argv))
  }
  t.match(readInvocation(['-autonet-dry-run', '--debug'], {}), { mode: 'exec', ours: { dryRun: true } }, 'a dry-run look-alike is still a dry run')
})
