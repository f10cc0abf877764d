/**
 * Contract breaks in reading our options that a new-user trial found (src/cli/invocation.ts,
 * points 1 and 4), through main() with fakes for the reader, planner, appliers and exec: a
 * switch written as two words, and dockerd asked only for info in any pflag spelling.
 */
import t from 'tap'
import { memoryLogger } from '../../src/log.js'
import type { Action, MachineState, Plan } from '../../src/model.js'
import { main, type MainDeps } from '../../src/cli/main.js'
import { readInvocation } from '../../src/cli/invocation.js'
import { readSwitch } from '../../src/cli/option-values.js'

const clamp: Action = { type: 'clamp-mss', mtu: 1450, ipv6: false, reason: 'clamp MSS to 1450' }

/** Fakes recording what main did: reads, applies and execs. */
function fakes() {
  const events: string[] = []
  const execs: string[][] = []
  const out: string[] = []
  const log = memoryLogger()
  const deps: Partial<MainDeps> = {
    readState: async (o) => { events.push('read'); return { links: [], routes4: [], routes6: [], daemon_json: null, argv: o.argv } },
    plan: (state: MachineState): Plan => ({ egress: 'eth0', mtu: 1450, args: [...state.argv!, '--mtu=1450'], warnings: [], reasons: [], error: null, actions: [clamp] }),
    applyActions: async () => { events.push('apply') },
    exec: async (cmd, args) => { execs.push([cmd, ...args]); events.push('exec'); return 0 },
    conntrackWatch: async () => null,
    stdout: (s) => { out.push(s) },
    log,
  }
  const lines = () => log.lines.filter((l) => !/ debug: /.test(l))
  return { deps, events, execs, lines, stdout: () => out.join('') }
}

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
  // Any other word stays where it is: dockerd's (it takes none, and will refuse it) or the program.
  t.match(readInvocation(['--debug', '--autonet-debug', 'stray'], {}), { mode: 'exec', dockerdArgs: ['--debug', 'stray'], ours: { debug: true } })
  t.match(readInvocation(['--autonet-debug', 'sh', '-c', 'x'], {}), { mode: 'exec', program: 'sh', dockerdArgs: ['-c', 'x'] })
  t.match(readInvocation(['--autonet-debug', 'yes'], {}), { mode: 'exec', program: 'yes' }, 'yes is no ParseBool word: the program')
  // A look-alike of a switch takes its value the same way: `false` is not left to dockerd.
  const like = fakes()
  await main(['--autonet_dry_run', 'false', '--debug'], {}, like.deps)
  t.same(like.execs, [['dockerd', '--debug']], 'a look-alike dry run set false: no dry run, stepped aside, `false` not passed on')
  t.same(like.events, ['exec'])
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
