/**
 * Contract breaks in reading our options that a new-user trial found (src/cli/invocation.ts,
 * points 1, 3 and 4), through main() with fakes for the reader, planner, appliers and exec:
 * a switch written as two words, an unknown variable, dockerd asked only for info in any pflag
 * spelling, and `plan -- WORDS` mirroring a start when our options are bad.
 */
import t from 'tap'
import { memoryLogger } from '../../src/log.js'
import type { Action, MachineState, Plan } from '../../src/model.js'
import { main, type MainDeps } from '../../src/cli/main.js'
import { clamp, startFakes } from '../helpers/start-fakes.js'
import { readInvocation } from '../../src/cli/invocation.js'
import { readSwitch } from '../../src/cli/option-values.js'


const fakes = () => startFakes()

/** Go strconv.ParseBool's words, as pflag reads a boolean. */
const PARSE_BOOL: [string, boolean][] = [
  ['1', true], ['t', true], ['T', true], ['TRUE', true], ['true', true], ['True', true],
  ['0', false], ['f', false], ['F', false], ['FALSE', false], ['false', false], ['False', false],
]

t.test('a switch of ours written as two words takes a ParseBool word as its value, never as the program or dockerd\'s argument', async (t) => {
  const debug = fakes()
  await main(['--autonet-debug', 'true'], {}, debug.deps)
  t.same(debug.execs, [['dockerd', '--mtu=1450']], '`--autonet-debug true`: dockerd runs, not /usr/bin/true')
  const off = fakes()
  await main(['--debug', '--autonet-dry-run', 'false'], {}, off.deps)
  t.same(off.execs, [['dockerd', '--debug', '--mtu=1450']], '`--autonet-dry-run false` is no dry run: planned, applied, started')
  t.same(off.events, ['read', 'apply', 'exec'])
  const on = fakes()
  t.equal(await main(['--debug', '--autonet-dry-run', 'true'], {}, on.deps), 0)
  t.same(on.execs, [], '`--autonet-dry-run true` is a dry run: nothing starts')
  t.notOk(on.events.includes('apply'))
  t.match(on.stdout(), /\ncommand: {2}dockerd --debug --mtu=1450\n$/)
  const disable = fakes()
  await main(['--autonet-disable', '1', '-H', 'fd://'], {}, disable.deps)
  t.same(disable.execs, [['dockerd', '-H', 'fd://']], '`--autonet-disable 1`: exec unchanged, `1` is ours')
  t.same(disable.events, ['exec'], 'nothing read or applied')

  for (const [word, value] of PARSE_BOOL) {
    const r = readInvocation(['--autonet-debug', word, '--debug'], {})
    t.match(r, { mode: 'run', program: 'dockerd', dockerdArgs: ['--debug'], ours: { debug: value } }, `--autonet-debug ${word}`)
    t.equal(readInvocation(['--debug', '--autonet-no-conntrack', word], {}).ours.plan.conntrackCleanup, !value, `--autonet-no-conntrack ${word}`)
    t.equal(readSwitch(word, '--autonet-debug'), value, `=${word} reads the same`)
  }
  // Any other word: among dockerd's flags (which take no positional) it is the switch's bad
  // value; where it would be the program, it stays the program when it names one.
  t.match(readInvocation(['--debug', '--autonet-debug', 'stray'], {}), { mode: 'exec', dockerdArgs: ['--debug'], optionError: /--autonet-debug: "stray"/ })
  t.match(readInvocation(['--autonet-debug', 'sh', '-c', 'x'], {}), { mode: 'exec', program: 'sh', dockerdArgs: ['-c', 'x'] })
  // A look-alike of a switch takes its value the same way: `false` is not left to dockerd.
  const like = fakes()
  await main(['--autonet_dry_run', 'false', '--debug'], {}, like.deps)
  t.same(like.execs, [['dockerd', '--debug']], 'a look-alike dry run set false: no dry run, stepped aside, `false` not passed on')
  t.same(like.events, ['exec'])
})

t.test('a switch takes as its next word exactly what it takes after `=` (yes, on, no, off in any case too), never leaving it as the program', async (t) => {
  const f = fakes()
  await main(['--autonet-no-conntrack', 'yes', '--debug'], {}, f.deps)
  t.same(f.execs, [['dockerd', '--debug', '--mtu=1450']], '`--autonet-no-conntrack yes --debug`: dockerd runs, not `yes --debug`')
  for (const [word, value] of [...PARSE_BOOL, ['yes', true], ['YES', true], ['On', true], ['no', false], ['NO', false], ['off', false], ['Off', false]] as [string, boolean][]) {
    t.match(readInvocation(['--autonet-debug', word, '--debug'], {}), { mode: 'run', dockerdArgs: ['--debug'], ours: { debug: value } }, `--autonet-debug ${word}`)
    t.match(readInvocation(['--debug', '--autonet-no-conntrack', word], {}), { mode: 'run', dockerdArgs: ['--debug'], ours: { plan: { conntrackCleanup: !value } } }, `--debug --autonet-no-conntrack ${word}`)
    t.equal(readSwitch(word, '--autonet-debug'), value, `=${word} reads the same`)
  }
  for (const word of ['y', 'n', 'yess', 'enable']) {
    t.throws(() => readSwitch(word, '--autonet-debug'), { message: `invalid value for --autonet-debug: "${word}" (expected 1, t, true, yes, on or 0, f, false, no, off, any case)` })
    // Among dockerd's flags a plain word would be a positional dockerd refuses: it is the switch's (bad) value.
    t.match(readInvocation(['--debug', '--autonet-debug', word], {}), { mode: 'exec', dockerdArgs: ['--debug'], optionError: new RegExp(`--autonet-debug: "${word}"`) }, `${word}: taken out as a bad value, never dockerd's`)
  }
  // No switch word, yet a value by its look (a digit first): the switch's bad value, not dockerd's word.
  t.throws(() => readSwitch('2', '--autonet-debug'), { message: /invalid value for --autonet-debug: "2"/ })
  const two = readInvocation(['--debug', '--autonet-debug', '2'], {})
  t.match(two, { mode: 'exec', optionError: /invalid value for --autonet-debug: "2"/ })
  t.same(two.dockerdArgs, ['--debug'], '2 is taken out with the switch')
})

t.test('a valued option takes a next word starting with `-` that is no flag of dockerd\'s or ours as its value: our mistake never reaches dockerd', async (t) => {
  const f = fakes()
  await main(['--autonet-max-mtu', '-5', '--debug'], {}, f.deps)
  t.same(f.execs, [['dockerd', '--debug']], '`-5` is the (bad) value: stepped aside, dockerd gets --debug only')
  t.same(f.events, ['exec'])
  t.match(f.lines().join('\n'), /invalid value for --autonet-max-mtu: "-5"/)
  for (const [next, rest] of [['--debug', ['--debug']], ['-D', ['-D']], ['-H', ['-H', 'fd://']], ['--', ['--']], ['--autonet-debug', []], ['--autonet_debug', []]] as [string, string[]][]) {
    const inv = readInvocation(['--autonet-max-mtu', next, ...rest.slice(1)], {})
    t.same(inv.dockerdArgs, rest, `${next} is left: dockerd's or ours`)
    t.match(inv.optionError, /--autonet-max-mtu needs a value/, `${next}: needs a value`)
  }
  t.match(readInvocation(['--autonet-probe', '-x', '--debug'], {}), { mode: 'exec', dockerdArgs: ['--debug'], optionError: /--autonet-probe: "-x"/ })
  t.match(readInvocation(['--autonet-max-mtu', '-', '--debug'], {}), { mode: 'exec', dockerdArgs: ['--debug'], optionError: /--autonet-max-mtu: "-"/ }, 'a lone - is a value too')
  // Taken as --autonet-exec's value, `-x` must not become the program.
  const exec = fakes()
  await main(['--autonet-exec', '-x', '--debug'], {}, exec.deps)
  t.same(exec.execs, [['dockerd', '--debug']], '--autonet-exec -x: dockerd with the user\'s args, not `-x`')
  t.match(exec.lines().join('\n'), /invalid value for --autonet-exec: "-x" \(expected a program/)
})

t.test('an unknown DOCKERD_AUTONET_* variable, or a look-alike, steps aside: one warning naming the closest option, dockerd with the user\'s argv, nothing applied or appended', async (t) => {
  for (const [name, near] of [['DOCKERD_AUTONET_MAXMTU', 'DOCKERD_AUTONET_MAX_MTU'], ['DOCKER_AUTONET_NO_CONNTRACK', 'DOCKERD_AUTONET_NO_CONNTRACK'], ['dockerd_autonet_debug', 'DOCKERD_AUTONET_DEBUG']]) {
    const f = fakes()
    t.equal(await main(['--debug', '-H', 'fd://'], { [name]: '1' }, f.deps), 0, name)
    t.same(f.execs, [['dockerd', '--debug', '-H', 'fd://']], `${name}: the user's argv exactly`)
    t.same(f.events, ['exec'], `${name}: nothing read, planned or applied`)
    t.same(f.lines(), [`dockerd-autonet: warn: unknown variable ${name} (did you mean ${near}?); starting dockerd with your arguments unchanged`], `${name}: one line`)
  }
  // Stepping aside on our mistake keeps a second daemon's bridge (point 5).
  const bridge = fakes()
  await main(['--autonet-bridge=br-ci=10.99.0.1/24', '--debug'], { DOCKERD_AUTONET_MAXMTU: '9000' }, bridge.deps)
  t.same(bridge.execs, [['dockerd', '--debug', '--bridge=br-ci']])
  // A misspelt dry run still is one; set clearly false, it steps aside like any other.
  const dry = fakes()
  t.equal(await main(['--debug'], { DOCKERD_AUTONET_DRYRUN: '1' }, dry.deps), 0)
  t.same(dry.execs, [])
  t.match(dry.stdout(), /^aside: {4}options not understood\n[\s\S]*\ncommand: {2}dockerd --debug\n$/)
  const notDry = fakes()
  await main(['--debug'], { DOCKERD_AUTONET_DRYRUN: 'f' }, notDry.deps)
  t.same(notDry.execs, [['dockerd', '--debug']], 'DRYRUN=f (ParseBool false): no dry run, stepped aside')
  t.same(notDry.events, ['exec'])
  // A blank one says nothing, as a blank option variable counts as unset.
  const blank = fakes()
  await main(['--debug'], { DOCKERD_AUTONET_MAXMTU: '' }, blank.deps)
  t.same(blank.events, ['read', 'apply', 'exec'])
  // plan shares the decision: it shows the start stepping aside, and why.
  const plan = fakes()
  t.equal(await main(['plan', '--json', '--', '--debug'], { DOCKERD_AUTONET_MAXMTU: '9000' }, plan.deps), 1)
  t.match(JSON.parse(plan.stdout()), { args: ['--debug'], actions: [], error: 'options not understood: unknown variable DOCKERD_AUTONET_MAXMTU (did you mean DOCKERD_AUTONET_MAX_MTU?)' })
  t.same(plan.events, [], 'plan reads nothing: a start would not either')
})

t.test('dockerd asked only for info in any pflag spelling: exec unchanged, nothing read, applied or appended', async (t) => {
  for (const argv of [['-Dv'], ['-vD'], ['--version=TRUE'], ['--help=t'], ['-v=true'], ['-h=T'], ['--debug', '--validate=1'], ['-H', 'fd://', '-Dh']]) {
    const f = fakes()
    await main(argv, {}, f.deps)
    t.same(f.execs, [['dockerd', ...argv]], JSON.stringify(argv))
    t.same(f.events, ['exec'], `${JSON.stringify(argv)}: nothing read or applied`)
    const p = fakes()
    t.equal(await main(['plan', '--json', '--', ...argv], {}, p.deps), 1)
    t.match(JSON.parse(p.stdout()), { args: argv, error: /no daemon to start/ }, `plan -- ${argv.join(' ')}`)
  }
  for (const argv of [['--version=false', '--debug'], ['-v=0', '--debug'], ['--debug', '--', '--version']]) {
    t.not(readInvocation(argv, {}).reason, 'no daemon to start (version, help or validate)', `${JSON.stringify(argv)}: not info only`)
  }
  const run = fakes()
  await main(['--version=false', '--debug'], {}, run.deps)
  t.same(run.execs, [['dockerd', '--version=false', '--debug', '--mtu=1450']], '--version=false starts a daemon: planned')
})

t.test('plan -- WORDS with a bad option of ours shows what a start does: stepped aside, the option error as the reason', async (t) => {
  const rows: [string[], RegExp][] = [
    [['--autonet-max-mtu=abc', '--debug'], /^options not understood: invalid value for --autonet-max-mtu: "abc"/],
    [['--debug', '--autonet-bogus'], /^options not understood: unknown option --autonet-bogus/],
    [['--autonet-mtu-scope', 'nowhere', '-H', 'fd://'], /^options not understood: invalid value for --autonet-mtu-scope: "nowhere"/],
    [['--autonet-bridge=br-ci', '--debug'], /^options not understood: invalid value for --autonet-bridge: "br-ci" \(expected NAME=CIDR/],
    [['dockerd', '--autonet-max-mtu', '--debug'], /^options not understood: --autonet-max-mtu needs a value/],
  ]
  for (const [words, why] of rows) {
    const start = fakes()
    await main(words, {}, start.deps)
    t.equal(start.execs.length, 1, `${words.join(' ')}: a start execs once`)
    t.same(start.events, ['exec'], `${words.join(' ')}: a start reads and applies nothing`)
    const [program, ...args] = start.execs[0]
    const json = fakes()
    t.equal(await main(['plan', '--json', '--', ...words], {}, json.deps), 1, `plan -- ${words.join(' ')}: exit 1, as for any stepped-aside start`)
    t.match(JSON.parse(json.stdout()), { args, actions: [], error: why }, `plan -- ${words.join(' ')}: the start's argv and the reason`)
    t.same(json.events, [], 'plan reads nothing')
    const human = fakes()
    t.equal(await main(['plan', '--', ...words], {}, human.deps), 1)
    t.match(human.stdout(), new RegExp(`^aside: {4}options not understood: [^\\n]+\\nadds: {5}nothing\\nactions: {2}none\\ncommand: {2}${[program, ...args].join(' ')}\\n$`), `plan -- ${words.join(' ')}: the command a start execs`)
  }
  // --autonet-bridge naming no bridge: a start does not start dockerd (exit 2), nor does plan.
  t.equal(await main(['plan', '--', '--autonet-bridge=/x', '--debug'], {}, fakes().deps), 2)
  t.equal(await main(['--autonet-bridge=/x', '--debug'], {}, fakes().deps), 2)
  // A bad option of plan itself (before --) stays a usage error of plan.
  const own = fakes()
  t.equal(await main(['plan', '--autonet-max-mtu=abc', '--', '--debug'], {}, own.deps), 2)
  t.match(own.lines(), [/error: invalid value for --autonet-max-mtu: "abc"/])
})

t.test('a look-alike with a typographic dash (a word processor\'s —autonet-debug for --autonet-debug) is ours: taken out, a mistake; a dry-run one is a dry run', async (t) => {
  for (const dash of ['\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2015', '\u2212']) {
    const debug = fakes()
    await main([`${dash}autonet-debug`, '--debug'], {}, debug.deps)
    t.same(debug.execs, [['dockerd', '--debug']], `U+${dash.codePointAt(0)!.toString(16)}autonet-debug: taken out, stepped aside`)
    t.same(debug.events, ['exec'], 'nothing read or applied')
    t.match(debug.lines().join('\n'), new RegExp(`unknown option ${dash}autonet-debug \\(did you mean --autonet-debug\\?`))
    const dry = fakes()
    t.equal(await main(['--debug', `${dash}autonet-dry-run`], {}, dry.deps), 0)
    t.same(dry.execs, [], `U+${dash.codePointAt(0)!.toString(16)}autonet-dry-run: a dry run, nothing starts`)
  }
  // As the program's first word too: never the program.
  t.match(readInvocation(['\u2014autonet-dry-run', 'docker', 'info'], {}), { program: 'docker', ours: { dryRun: true } })
  // A dash that is no look-alike of ours stays dockerd's (it will refuse it).
  t.same(readInvocation(['--debug', '\u2014label=x'], {}).dockerdArgs, ['--debug', '\u2014label=x'])
})

t.test('look-alike variables squash _ and - as flags do: DOCKERD_AUTO_NET_DRY_RUN is a dry run; AUTONET_* (our tooling\'s) is left alone', async (t) => {
  for (const name of ['DOCKERD_AUTO_NET_DRY_RUN', 'DOCKER_AUTO_NET_DRY_RUN', 'DOCKERDAUTONET_DRY_RUN', 'docker-d-auto-net-dry-run']) {
    const f = fakes()
    t.equal(await main(['--debug'], { [name]: '1' }, f.deps), 0, name)
    t.same(f.execs, [], `${name}: a dry run, nothing starts`)
    t.match(f.stdout(), /^aside: {4}options not understood\n/)
  }
  const mtu = fakes()
  await main(['--debug'], { DOCKERD_AUTO_NET_MAX_MTU: '9000' }, mtu.deps)
  t.same(mtu.execs, [['dockerd', '--debug']], 'a look-alike steps aside')
  t.same(mtu.lines(), ['dockerd-autonet: warn: unknown variable DOCKERD_AUTO_NET_MAX_MTU (did you mean DOCKERD_AUTONET_MAX_MTU?); starting dockerd with your arguments unchanged'])
  for (const name of ['AUTONET_CASES_DIR', 'AUTONET_E2E_ENGINES', 'AUTONET_ENGINES_CACHE']) {
    const f = fakes()
    await main(['--debug'], { [name]: '1' }, f.deps)
    t.same(f.events, ['read', 'apply', 'exec'], `${name}: not ours, not a look-alike`)
  }
})

t.test('ours after dockerd-entrypoint.sh: taken out of the words it gets, read (a dry run starts nothing), the command decided without them; plan shows the same', async (t) => {
  const rows: [string[], string[], Partial<{ dryRun: boolean, debug: boolean }>][] = [
    [['--autonet-dry-run', 'docker', 'info'], ['docker', 'info'], { dryRun: true }],
    [['--autonet-debug', 'docker', 'info'], ['docker', 'info'], { debug: true, dryRun: false }],
    [['--autonet-bridge=br-z=10.6.0.1/24', 'docker', 'info'], ['docker', 'info'], { dryRun: false }],
    [['\u2014autonet-dry-run', 'docker', 'info'], ['docker', 'info'], { dryRun: true }],
    // After the foreign command's name, our word is docker's; a dry run there still starts nothing.
    [['docker', 'info', '--autonet-dry-run'], ['docker', 'info', '--autonet-dry-run'], { dryRun: true }],
    [['docker', 'info', '--autonet-dry-run=false'], ['docker', 'info', '--autonet-dry-run=false'], { dryRun: false }],
    [['docker', 'info', '--autonet-debug'], ['docker', 'info', '--autonet-debug'], { debug: false, dryRun: false }],
  ]
  for (const [words, args, ours] of rows) {
    const what = words.join(' ')
    t.match(readInvocation(['dockerd-entrypoint.sh', ...words], {}), { mode: 'exec', program: 'dockerd-entrypoint.sh', dockerdArgs: args, ours, reason: 'not dockerd: dockerd-entrypoint.sh runs docker' }, what)
    const f = fakes()
    t.equal(await main(['dockerd-entrypoint.sh', ...words], {}, f.deps), 0, what)
    t.same(f.execs, ours.dryRun ? [] : [['dockerd-entrypoint.sh', ...args]], `${what}: ${ours.dryRun ? 'a dry run, nothing starts' : 'the entrypoint gets the words without ours'}`)
    const plan = fakes()
    t.equal(await main(['plan', '--', 'dockerd-entrypoint.sh', ...words], {}, plan.deps), 1, `plan -- ${what}`)
    t.match(plan.stdout(), new RegExp(`^aside: {4}not dockerd: dockerd-entrypoint.sh runs docker\\n[\\s\\S]*command: {2}dockerd-entrypoint.sh ${args.join(' ')}\\n$`), `plan -- ${what}: the start's command`)
  }
  // A flag first after ours: the entrypoint starts dockerd, planned for it (unchanged).
  t.match(readInvocation(['dockerd-entrypoint.sh', '--autonet-debug', '--debug'], {}), { mode: 'run', dockerdArgs: ['--debug'], ours: { debug: true } })
  // Any other program: its words are its own, but a dry run among them starts nothing.
  t.match(readInvocation(['sh', '-c', 'x', '--autonet-dry-run'], {}), { mode: 'exec', program: 'sh', dockerdArgs: ['-c', 'x', '--autonet-dry-run'], ours: { dryRun: true } })
  const sh = fakes()
  await main(['sh', '-c', 'x', '--autonet-dry-run'], {}, sh.deps)
  t.same(sh.execs, [])
})

t.test('an option name cut short is the one option it starts: --autonet-dry and DOCKERD_AUTONET_DRY are dry runs (trial 3)', async (t) => {
  for (const [argv, env] of [[['--autonet-dry', '--debug'], {}], [['--autonet-dry-r', '--debug'], {}], [['--debug'], { DOCKERD_AUTONET_DRY: '1' }]] as [string[], Record<string, string>][]) {
    const f = fakes()
    t.equal(await main(argv, env, f.deps), 0)
    t.same(f.execs, [], `${JSON.stringify(argv)} ${JSON.stringify(env)}: nothing started`)
    t.notOk(f.events.includes('apply'))
  }
  const off = fakes()
  await main(['--autonet-dry=false', '--debug'], {}, off.deps)
  t.same(off.execs, [['dockerd', '--debug']], 'a cut-short dry run set to false is a start (stepped aside on the mistake)')
})

t.test('plan -- WORDS with ours before the program reads them as a start does (trial 3)', async (t) => {
  const inv = readInvocation(['plan', '--', '--autonet-debug', 'dockerd', '--debug'], {})
  t.equal(inv.program, 'dockerd')
  t.same(inv.dockerdArgs, ['--debug'])
  t.equal(inv.reason, undefined, 'planned, not stepped aside on a positional "dockerd"')
  t.equal(inv.ours.debug, true)
  const start = readInvocation(['--autonet-debug', 'dockerd', '--debug'], {})
  t.same([start.mode, start.program, start.dockerdArgs], ['run', 'dockerd', ['--debug']], 'the start of the same words')
  const foreign = readInvocation(['plan', '--', '--autonet-max-mtu=9000', 'docker', 'info'], {})
  t.same([foreign.program, foreign.dockerdArgs], ['docker', ['info']], 'a foreign command after ours is that command, as for a start')
})
