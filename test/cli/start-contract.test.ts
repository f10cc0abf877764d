/**
 * The start-path contract (src/cli/invocation.ts, points 1-5) through main() with fakes for
 * the reader, planner, appliers and exec: one example per bug it fixed, then a property over
 * generated argv and environments.
 */
import t from 'tap'
import fc from 'fast-check'
import { memoryLogger } from '../../src/log.js'
import type { Action, MachineState, Plan } from '../../src/model.js'
import { main, type MainDeps } from '../../src/cli/main.js'
import { clamp, startFakes } from '../helpers/start-fakes.js'


const fakes = (over: Partial<MainDeps> = {}) => startFakes(over)

t.test('a dry run next to a bad option starts nothing and applies nothing', async (t) => {
  for (const [argv, env] of [
    [['--autonet-dry-run', '--autonet-max-mtu=abc', '--debug'], {}],
    [['--debug'], { DOCKERD_AUTONET_DRY_RUN: '1', DOCKERD_AUTONET_MTU_SCOPE: 'everything' }],
    [['--autonet-dry-run', '--autonet-bogus'], {}],
  ] as [string[], Record<string, string>][]) {
    const f = fakes()
    t.equal(await main(argv, env, f.deps), 0)
    t.same(f.execs, [], `nothing exec'd: ${JSON.stringify([argv, env])}`)
    t.notOk(f.events.includes('apply'), 'nothing applied')
    t.match(f.stdout(), /^aside: {4}options not understood\n[\s\S]*\ncommand: {2}dockerd( --debug)?\n$/, 'says why, and the unchanged command')
  }
})

t.test('a valued option as two words (YAML list form) is ours, never the program', async (t) => {
  const f = fakes()
  await main(['--autonet-max-mtu', '9000', '--debug'], {}, f.deps)
  t.same(f.execs, [['dockerd', '--debug', '--mtu=1450']])
  const bad = fakes()
  await main(['--autonet-max-mtu', 'jumbo', '--debug'], {}, bad.deps)
  t.same(bad.execs, [['dockerd', '--debug']], 'a bad two-word value: dockerd with the user\'s args')
  t.notOk(bad.events.includes('apply'))
  t.match(bad.log.lines.join('\n'), /--autonet-max-mtu: "jumbo".*starting dockerd with your arguments unchanged/)
})

t.test('an unknown option or a switch given a value as two words: the value is no program and no word of dockerd\'s', async (t) => {
  const rows: [string[], string[]][] = [
    [['--autonet-mtu', '1400', '--debug'], ['dockerd', '--debug']],
    [['-H', 'unix:///x', '--autonet-mtu', '1400'], ['dockerd', '-H', 'unix:///x']],
    [['--autonet-version', '26.1.5'], ['dockerd']],
    [['dockerd-entrypoint.sh', '--autonet-mtu', '1400'], ['dockerd-entrypoint.sh']],
    [['--autonet-no-conntrack', '1400', '--debug'], ['dockerd', '--debug']],
  ]
  for (const [argv, exec] of rows) {
    const f = fakes()
    t.equal(await main(argv, {}, f.deps), 0, JSON.stringify(argv))
    t.same(f.execs, [exec], `${JSON.stringify(argv)}: the user's words, ours and the value taken out`)
    t.notOk(f.events.includes('apply'), 'nothing applied')
    t.match(f.log.lines.join('\n'), /--autonet-\S+.*starting \S+ with your arguments unchanged/, 'the mistake is logged')
  }
})

t.test('dockerd\'s own shorthand with "autonet" in its attached value reaches dockerd, planned as usual', async (t) => {
  for (const argv of [['-Hunix:///run/autonet.sock', '--debug'], ['-p/run/dockerd-autonet.pid']]) {
    const f = fakes()
    await main(argv, {}, f.deps)
    t.same(f.execs, [['dockerd', ...argv, '--mtu=1450']], JSON.stringify(argv))
    t.notMatch(f.log.lines.join('\n'), /unknown option|unchanged/, 'no mistake of ours is said')
  }
  // `-Dl autonet`: a log level dockerd refuses, said as dockerd's, not as a mistake of ours.
  const f = fakes()
  await main(['-Dlautonet'], {}, f.deps)
  t.same(f.execs, [['dockerd', '-Dlautonet']])
  t.notMatch(f.log.lines.join('\n'), /unknown option/)
  t.match(f.log.lines.join('\n'), /-Dlautonet/)
})

t.test('dockerd will refuse the argv, or it is not dockerd: nothing applied, nothing appended', async (t) => {
  for (const argv of [['--debug', 'stray'], ['dockerd', 'stray'], ['dockerd-entrypoint.sh', 'docker', 'info'], ['dockerd-entrypoint.sh', 'dockerd', 'stray'], ['-H', 'fd://', '--', 'x']]) {
    const f = fakes()
    await main(argv, {}, f.deps)
    const [program, ...args] = argv[0].startsWith('-') ? ['dockerd', ...argv] : argv
    t.same(f.execs, [[program, ...args]], JSON.stringify(argv))
    t.same(f.events, ['exec'], 'nothing read, planned or applied')
  }
  const entry = fakes()
  await main(['dockerd-entrypoint.sh', 'docker', 'info'], {}, entry.deps)
  t.match(entry.log.lines.join('\n'), /not dockerd: dockerd-entrypoint.sh runs docker/)
  // `dockerd-entrypoint.sh dockerd FLAGS` is dockerd: planned for FLAGS, `dockerd` kept in front.
  const through = fakes()
  await main(['dockerd-entrypoint.sh', 'dockerd', '--debug'], {}, through.deps)
  t.same(through.execs, [['dockerd-entrypoint.sh', 'dockerd', '--debug', '--mtu=1450']])
})

t.test('a trailing value flag without its value: dockerd refuses the argv, so nothing is applied or appended (our flag would become its value)', async (t) => {
  for (const argv of [['--log-level'], ['--debug', '--bip'], ['-H'], ['dockerd', '-Dl'], ['--debug', '--bip', '--'], ['dockerd-entrypoint.sh', '--debug', '--autonet-max-mtu=9000', '--label']]) {
    const f = fakes()
    t.equal(await main(argv, {}, f.deps), 0)
    const [program, ...args] = argv[0].startsWith('-') ? ['dockerd', ...argv] : argv
    t.same(f.execs, [[program, ...args.filter((a) => !a.startsWith('--autonet-'))]], `${JSON.stringify(argv)}: exec'd exactly as given`)
    t.same(f.events, ['exec'], 'nothing read, planned or applied')
    const flag = args.filter((a) => a !== '--' && !a.startsWith('--autonet-')).at(-1)
    t.match(f.log.lines.join('\n'), new RegExp(`warn: ${flag} needs a value and has none: dockerd will refuse your arguments`), 'one line says why')
  }
  const dry = fakes()
  t.equal(await main(['--autonet-dry-run', '--log-level'], {}, dry.deps), 0)
  t.same(dry.events, [], 'a dry run says so without reading or planning')
  t.match(dry.stdout(), /--log-level needs a value and has none[\s\S]*command: {2}dockerd --log-level\n$/)
  const ok = fakes()
  await main(['--log-level', 'debug'], {}, ok.deps)
  t.same(ok.execs, [['dockerd', '--log-level', 'debug', '--mtu=1450']], 'with its value, planned as usual')
})

t.test('a second daemon\'s bridge that cannot be made never yields a dockerd on docker0', async (t) => {
  const failing = fakes({ readState: async () => { throw new Error('netlink exploded') } })
  await main(['--autonet-bridge=br-ci=10.99.0.1/24', '--debug'], {}, failing.deps)
  t.same(failing.execs, [['dockerd', '--debug', '--bridge=br-ci']], 'detection failed: --bridge kept')
  const badOpt = fakes()
  await main(['--autonet-bridge=br-ci=10.99.0.1/24', '--autonet-max-mtu=x'], {}, badOpt.deps)
  t.same(badOpt.execs, [['dockerd', '--bridge=br-ci']], 'another option bad: --bridge kept')
  const own = fakes({ readState: async () => { throw new Error('x') } })
  await main(['--autonet-bridge=br-ci=10.99.0.1/24', '-b', 'br-mine'], {}, own.deps)
  t.same(own.execs, [['dockerd', '-b', 'br-mine']], 'the user\'s own --bridge wins')
  const dry = fakes({ plan: (s) => ({ egress: 'eth0', mtu: 1450, args: [...s.argv!, '--mtu=1450'], warnings: [], reasons: [], error: 'overlaps the route 10.0.0.0/8', actions: [clamp] }) })
  await main(['--autonet-dry-run', '--autonet-bridge=br-ci=10.0.0.1/24', '--debug'], {}, dry.deps)
  t.match(dry.stdout(), /error: {4}overlaps the route 10.0.0.0\/8\n[^]*command: {2}dockerd --debug --bridge=br-ci\n$/, 'the dry run shows the same fallback')
  t.same(dry.execs, [])
  const none = fakes()
  t.equal(await main(['--autonet-bridge=/x'], {}, none.deps), 2, 'no name at all: exit 2')
  t.same(none.execs, [])
})

t.test('a misspelt dry run (flag or variable) is still a dry run: nothing starts', async (t) => {
  for (const [argv, env] of [[['--autonet-dryrun', '--debug'], {}], [['--debug'], { DOCKERD_AUTONET_DRYRUN: '1' }], [['--debug'], { DOCKERD_AUTONET_DRY_RNU: 'true' }]] as [string[], Record<string, string>][]) {
    const f = fakes()
    t.equal(await main(argv, env, f.deps), 0)
    t.same(f.execs, [], JSON.stringify([argv, env]))
    t.notOk(f.events.includes('apply'))
    t.match(f.log.lines.join('\n'), /taken as a dry run/)
  }
  const off = fakes()
  await main(['--debug'], { DOCKERD_AUTONET_DRYRUN: '0' }, off.deps)
  t.equal(off.execs.length, 1, 'a clearly false one is only warned about')
  // Taken as a dry run, whatever else says no (trial 5: the warning said so, and the stub started).
  for (const [argv, env] of [[['--autonet-dry-run=false', '--debug'], { DOCKERD_AUTONET_DRYRUN: '1' }], [['--autonet-dryrun', '--autonet-dry-run=false'], {}],
    [['--autonet-dry-run=false', '--autonet-dryrun'], {}], [['--debug'], { DOCKERD_AUTONET_DRYRUN: '1', DOCKERD_AUTONET_DRY_RUN: 'false' }]] as [string[], Record<string, string>][]) {
    const f = fakes()
    t.equal(await main(argv, env, f.deps), 0)
    t.same(f.execs, [], `${JSON.stringify([argv, env])}: nothing starts`)
    t.match(f.log.lines.join('\n'), /taken as a dry run/)
  }
  // Exact spellings keep their order: a flag beats the variable, the last flag wins.
  for (const [argv, env] of [[['--autonet-dry-run=false', '--debug'], { DOCKERD_AUTONET_DRY_RUN: '1' }], [['--autonet-dry-run', '--autonet-dry-run=false'], {}]] as [string[], Record<string, string>][]) {
    const f = fakes()
    t.equal(await main(argv, env, f.deps), 0)
    t.equal(f.execs.length, 1, `${JSON.stringify([argv, env])}: starts`)
  }
})

t.test('a look-alike of our flags is never passed to dockerd: nothing applied or appended; a dry-run look-alike is a dry run', async (t) => {
  for (const flag of ['--autonet_dry_run', '--autonetdry-run', '--auto-net-dry-run', '-autonet-dry-run', '--Autonet-dry-run']) {
    const f = fakes()
    t.equal(await main(['--debug', flag], {}, f.deps), 0, flag)
    t.same(f.execs, [], `${flag}: nothing exec'd`)
    t.notOk(f.events.includes('apply'), `${flag}: nothing applied`)
    t.match(f.stdout(), /^aside: {4}options not understood\n[\s\S]*\ncommand: {2}dockerd --debug\n$/, `${flag}: the dry run shows dockerd without it`)
    t.match(f.log.lines.join('\n'), new RegExp(`unknown option ${flag} \\(did you mean --autonet-dry-run\\?.*taken as a dry run`))
  }
  const debug = fakes()
  await main(['--autonet_debug', '-H', 'fd://'], {}, debug.deps)
  t.same(debug.execs, [['dockerd', '-H', 'fd://']], 'another look-alike: dockerd with the user\'s args only')
  t.same(debug.events, ['exec'], 'nothing read, planned or applied')
  t.match(debug.log.lines.join('\n'), /unknown option --autonet_debug \(did you mean --autonet-debug\?/)
  const label = fakes()
  await main(['--label=autonet=1'], {}, label.deps)
  t.same(label.execs, [['dockerd', '--label=autonet=1', '--mtu=1450']], 'a value with "autonet" in it is dockerd\'s')
})

t.test('a look-alike of our variables is named, and a dry-run look-alike is a dry run', async (t) => {
  for (const name of ['DOCKER_AUTONET_DRY_RUN', 'DOCKERD_AUTONETDRY_RUN', 'dockerd_autonet_dry_run']) {
    const f = fakes()
    t.equal(await main(['--debug'], { [name]: '1' }, f.deps), 0)
    t.same(f.execs, [], `${name}: nothing exec'd`)
    t.notOk(f.events.includes('apply'))
    t.match(f.log.lines, [`dockerd-autonet: warn: unknown variable ${name} taken as a dry run (did you mean DOCKERD_AUTONET_DRY_RUN?)`])
  }
  const mtu = fakes()
  await main(['--debug'], { docker_autonet_max_mtu: '9000' }, mtu.deps)
  t.same(mtu.log.lines.filter((l) => !/ debug: /.test(l)), ['dockerd-autonet: warn: unknown variable docker_autonet_max_mtu (did you mean DOCKERD_AUTONET_MAX_MTU?); starting dockerd with your arguments unchanged'])
  t.same(mtu.execs, [['dockerd', '--debug']], 'not a dry run: dockerd starts, stepped aside (contract point 3)')
})

t.test('a program that cannot be run: nothing applied or appended, exec reports it', async (t) => {
  const f = fakes({ canRun: async (cmd) => cmd === '/nonexistent' ? '/nonexistent: no such file' : null, exec: async (cmd, args) => { f.execs.push([cmd, ...args]); f.events.push('exec'); return 127 } })
  t.equal(await main(['--autonet-exec=/nonexistent', '--debug'], {}, f.deps), 127)
  t.same(f.events, ['read', 'exec'], 'read, but nothing applied')
  t.same(f.execs, [['/nonexistent', '--debug']], 'nothing appended')
  t.match(f.log.lines.join('\n'), /cannot run \/nonexistent \(\/nonexistent: no such file\): nothing applied or appended/)
  const ok = fakes({ canRun: async () => null })
  await main(['--debug'], {}, ok.deps)
  t.same(ok.events, ['read', 'apply', 'exec'], 'a program that runs: applied as usual')
})

t.test('a daemon.json dockerd refuses to start on: nothing applied or appended, the reason logged', async (t) => {
  for (const why of ['daemon.json: /etc/docker/daemon.json: invalid JSON at line 1, column 2: x', 'daemon.json: cannot read /etc/docker/daemon.json: EACCES']) {
    const f = fakes({ readState: async (o) => { f.events.push('read'); return { links: [], routes4: [], routes6: [], daemon_json: null, argv: o.argv, read_errors: [why] } } })
    await main(['--debug'], {}, f.deps)
    t.same(f.events, ['read', 'exec'], 'nothing applied')
    t.same(f.execs, [['dockerd', '--debug']], 'nothing appended')
    t.match(f.log.lines.join('\n'), new RegExp(`${why.slice(0, 20)}.*dockerd refuses to start on it: nothing applied or appended`))
  }
  const deep = fakes({ readState: async (o) => ({ links: [], routes4: [], routes6: [], daemon_json: null, argv: o.argv, read_errors: ['daemon.json: /etc/docker/daemon.json: nested deeper than 64 levels at line 1, column 70; not read'] }) })
  await main(['--debug'], {}, deep.deps)
  t.same(deep.execs, [['dockerd', '--debug']], 'nesting we do not read: its keys are unknown, so nothing appended (start-refusals.test.ts)')
})

t.test('a dry run where daemon.json makes dockerd refuse says what a start would do: step aside, nothing appended', async (t) => {
  const broken = 'daemon.json: /etc/docker/daemon.json: invalid JSON at line 1, column 2: x'
  const machines: [string, string[], Partial<MachineState>, RegExp][] = [
    ['malformed daemon.json', ['--debug'], { daemon_json: null, read_errors: [broken] }, /error: {4}daemon\.json: \/etc\/docker\/daemon\.json: invalid JSON .*dockerd refuses to start on it: nothing applied or appended/],
    ['a key daemon.json sets and a flag too', ['-H', 'fd://'], { daemon_json: { hosts: ['unix:///var/run/docker.sock'] } }, /error: {4}"hosts" is set both in daemon\.json and as a flag \(-H fd:\/\/\); dockerd refuses to start on it: nothing applied or appended/],
  ]
  for (const [what, argv, machine, said] of machines) {
    const readState = async (o: { argv: string[] }) => ({ links: [], routes4: [], routes6: [], daemon_json: null, argv: o.argv, ...machine })
    const dry = fakes({ readState })
    t.equal(await main(['--autonet-dry-run', ...argv], {}, dry.deps), 0, what)
    const out = dry.stdout()
    t.notMatch(out, /--mtu=1450/, `${what}: no planned flag printed as if passed`)
    t.match(out, said, `${what}: the reason`)
    t.match(out, /adds: {5}nothing[\s\S]*actions: none\n/, `${what}: nothing added or applied`)
    t.match(out, new RegExp(`\ncommand: {2}dockerd ${argv.join(' ').replace(/\//g, '\\/')}\n$`), `${what}: the command a start execs`)
    const run = fakes({ readState })
    await main(argv, {}, run.deps)
    t.same(run.execs, [['dockerd', ...argv]], `${what}: a start execs the same`)
    t.notOk(run.events.includes('apply'), `${what}: a start applies nothing`)
  }
})

t.test('reading the machine is bounded as a whole: a hung read starts dockerd with the user\'s arguments', async (t) => {
  const f = fakes({ readState: () => new Promise(() => {}), readDeadlineMs: 50 })
  await main(['--debug'], {}, f.deps)
  t.same(f.execs, [['dockerd', '--debug']], 'nothing appended')
  t.notOk(f.events.includes('apply'), 'nothing applied')
  t.match(f.log.lines.join('\n'), /detection failed: reading the machine took longer than 0.05 s; starting dockerd with your arguments unchanged/)
})

t.test('an empty --autonet-exec= is a bad option: dockerd starts, not a program called ""', async (t) => {
  const f = fakes()
  await main(['--autonet-exec=', '--debug'], {}, f.deps)
  t.same(f.execs, [['dockerd', '--debug']])
  t.match(f.log.lines.join('\n'), /invalid value for --autonet-exec: ""/)
})

t.test('a trailing newline (YAML block scalar) does not turn the wrapper off; a misspelled variable is named', async (t) => {
  const f = fakes()
  await main(['--debug'], { DOCKERD_AUTONET_NO_CONNTRACK: '1\n' }, f.deps)
  t.same(f.events, ['read', 'apply', 'exec'], 'planned and applied as usual')
  const typo = fakes()
  await main(['--debug'], { DOCKERD_AUTONET_NO_CONNTRACK: '1\n', DOCKERD_AUTONET_NO_CLAMPMSS: '1' }, typo.deps)
  t.same(typo.events, ['exec'], 'a misspelled variable: stepped aside (contract point 3)')
  t.match(typo.log.lines, ['dockerd-autonet: warn: unknown variable DOCKERD_AUTONET_NO_CLAMPMSS (did you mean DOCKERD_AUTONET_NO_CLAMP_MSS?)'])
})

t.test('regression (fast-check on main, seed 42): DOCKERD_AUTONET_DRY_RUN="true\\n" is a dry run', async (t) => {
  const f = fakes()
  t.equal(await main([], { DOCKERD_AUTONET_DRY_RUN: 'true\n' }, f.deps), 0)
  t.same(f.execs, [])
  t.notOk(f.events.includes('apply'))
})

// --- property: the contract over generated argv and environments ---

/** A piece of argv: the user's dockerd words, or ours (complete, good or bad). */
type Piece = { user: string[] } | { ours: string[], bad?: boolean, dry?: boolean, bridge?: boolean }

const userPiece: fc.Arbitrary<Piece> = fc.constantFrom<string[]>(
  ['--debug'], ['-H', 'fd://'], ['--mtu', '1400'], ['--registry-mirror=http://m'], ['-D'], ['--label', 'team=a b'],
  // A positional after a user flag: right after a word of ours a plain word is that word's value (takeOurs), covered in invocation.test.
  ['-D', 'stray'], ['--'], ['--iptables=false'], ['-Hunix:///run/autonet.sock'], ['-p/run/dockerd-autonet.pid'],
).map((user) => ({ user }))

const oursPiece: fc.Arbitrary<Piece> = fc.constantFrom<Piece>(
  { ours: ['--autonet-max-mtu=9000'] }, { ours: ['--autonet-max-mtu', '9000'] }, { ours: ['--autonet-debug'] },
  { ours: ['--autonet-no-conntrack'] }, { ours: ['--autonet-probe', '192.0.2.1'] },
  { ours: ['--autonet-max-mtu=abc'], bad: true }, { ours: ['--autonet-bogus'], bad: true },
  { ours: ['--autonet-mtu-scope', 'nowhere'], bad: true },
  { ours: ['--autonet-dry-run'], dry: true }, { ours: ['--autonet-dry-run=false'], dry: false },
  { ours: ['--autonet-dry-run=maybe'], bad: true, dry: true },
  { ours: ['--autonet-no-conntrack', 'yes'] }, { ours: ['--autonet-debug', 'OFF'] }, { ours: ['--autonet-max-mtu', '-5'], bad: true },
  { ours: ['--autonet-mtu', '1400'], bad: true }, { ours: ['--autonet-version', '26.1.5'], bad: true },
  { ours: ['--autonet-no-conntrack', '1400'], bad: true }, { ours: ['--autonet-zone', 'br-x=10.9.0.1/24'], bad: true },
  { ours: ['--autonet_bridge=br-ci=10.99.0.1/24'], bad: true, bridge: true }, { ours: ['--autonet-brige', 'br-ci=10.99.0.1/24'], bad: true, bridge: true },
)

const envArb = fc.record({
  DOCKERD_AUTONET_DRY_RUN: fc.constantFrom(undefined, '1', '0', 'true\n', 'maybe'),
  DOCKERD_AUTONET_MAX_MTU: fc.constantFrom(undefined, '9000', ' 1400 ', 'jumbo'),
  DOCKERD_AUTONET_MAXMTU: fc.constantFrom(undefined, '9000'),
}, { requiredKeys: [] })

const SEED = 42
const RUNS = 500

t.test(`property: the start-path contract holds over generated argv and env (fast-check, ${RUNS} runs, seed ${SEED})`, async (t) => {
  let runs = 0
  await fc.assert(fc.asyncProperty(fc.array(fc.oneof(userPiece, oursPiece), { maxLength: 8 }), envArb, fc.boolean(), async (pieces, env, dangling) => {
    runs++
    // A flag first keeps the command line dockerd's (a bare word first would name a program);
    // `dangling`: a value flag without its value last (dockerd refuses it, an appended flag would be its value).
    const all: Piece[] = [{ user: ['--debug'] }, ...pieces, ...(dangling ? [{ user: ['--bip'] }] : [])]
    const argv = all.flatMap((p) => ('user' in p ? p.user : p.ours))
    const userWords = all.flatMap((p) => ('user' in p ? p.user : []))
    const ours = all.filter((p): p is Exclude<Piece, { user: string[] }> => 'ours' in p)
    const dryFlags = ours.filter((p) => p.dry !== undefined)
    const envDry = env.DOCKERD_AUTONET_DRY_RUN
    const dry = dryFlags.length ? dryFlags[dryFlags.length - 1].dry! : envDry !== undefined && envDry.trim() !== '0'
    const envBad = (dryFlags.length === 0 && envDry === 'maybe') ||
      (!ours.some((p) => p.ours[0].startsWith('--autonet-max-mtu')) && env.DOCKERD_AUTONET_MAX_MTU === 'jumbo') ||
      env.DOCKERD_AUTONET_MAXMTU !== undefined
    const bad = ours.some((p) => p.bad) || envBad
    const dashdash = userWords.indexOf('--')
    const refused = dangling || userWords.includes('stray') || (dashdash >= 0 && dashdash < userWords.length - 1)
    // A look-alike of --autonet-bridge asks for br-ci (point 5): kept when dockerd starts as asked.
    const bridge = ours.some((p) => p.bridge) && !refused

    const f = fakes()
    const code = await main(argv, env, f.deps)
    const what = JSON.stringify({ argv, env, dangling })
    if (dry) {
      if (f.execs.length || f.events.includes('apply')) throw new Error(`dry run started or applied something: ${what}`)
      if (code !== 0) throw new Error(`dry run exit ${code}: ${what}`)
      return
    }
    if (f.execs.length !== 1) throw new Error(`expected one exec, got ${JSON.stringify(f.execs)}: ${what}`)
    const [program, ...args] = f.execs[0]
    if (program !== 'dockerd') throw new Error(`program ${program}, not dockerd: ${what}`)
    const oursIn = args.filter((a) => !userWords.includes(a))
    if (oursIn.some((a) => /autonet/.test(a)) || ['9000', '192.0.2.1', 'yes', 'OFF', '-5', 'br-ci=10.99.0.1/24', '26.1.5', 'br-x=10.9.0.1/24'].some((w) => oursIn.includes(w))) throw new Error(`our words reached dockerd: ${what}`)
    const applied = f.events.includes('apply')
    if (applied !== (!bad && !refused)) throw new Error(`applied=${applied} with bad=${bad} refused=${refused}: ${what}`)
    const withBridge = bridge ? (dashdash >= 0 ? [...userWords.slice(0, dashdash), '--bridge=br-ci', ...userWords.slice(dashdash)] : [...userWords, '--bridge=br-ci']) : userWords
    const expected = applied ? [...userWords, '--mtu=1450'] : withBridge
    if (JSON.stringify(args) !== JSON.stringify(expected)) throw new Error(`args ${JSON.stringify(args)}, expected ${JSON.stringify(expected)}: ${what}`)
  }), { seed: SEED, numRuns: RUNS })
  t.comment(`fast-check: ${runs} runs, seed ${SEED}`)
  t.equal(runs, RUNS)
})
