/**
 * The images' start-up chain, run for real against stub trees (lib/image-tree.ts) into which
 * `dockerd-autonet install` ran as each Dockerfile's RUN step runs it: the way
 * `docker run IMAGE …`, a GitLab `services:` entry and the Drone plugin start dockerd, down to
 * the exact argv the real dockerd receives. The expected planned flags come from
 * `dockerd-autonet plan --json` on this same machine, asked about the same dockerd.
 */
import t from 'tap'
import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { handovers, WRAPPED_VAR } from '../../src/cli/handover.js'
import { SWITCH_WORDS_TEXT, switchWord } from '../../src/cli/option-values.js'
import { BOOLEAN_FLAGS, dockerdFlagNames, shorthandOf } from '../../src/dockerd/flags.js'
import { MAX_ARG_STRLEN } from '../../src/cli/exec-limits.js'
import { RAW_ARGV_MAX } from '../../src/cli/raw-argv.js'
import { buildBundle, expectPlanned, makeTree, PATHS, planFor, REPO, SH, STUB_VERSION, type Tree } from './lib/image-tree.js'

let bundle = ''
const work = mkdtempSync(join(tmpdir(), 'autonet-chain-'))
t.teardown(() => rmSync(work, { recursive: true, force: true }))
t.before(async () => {
  bundle = await buildBundle(work)
})

t.test('docker run --privileged IMAGE --tls=false: entrypoint defaults, user flag, planned flags', async (t) => {
  const tree = await makeTree('dind', bundle)
  t.teardown(tree.remove)
  // DOCKER_TLS_CERTDIR=/certs is the image's default (ENV in docker:cli).
  const env = { DOCKER_TLS_CERTDIR: '/certs' }
  const entry = [
    '--host=unix:///var/run/docker.sock', '--host=tcp://0.0.0.0:2376', '--tlsverify',
    '--tlscacert', '/certs/server/ca.pem', '--tlscert', '/certs/server/cert.pem', '--tlskey', '/certs/server/key.pem',
    '--tls=false',
  ]
  const expected = await expectPlanned(t, tree, PATHS.dindReal, entry)
  const r = await tree.run([...SH, tree.at('/usr/local/bin/dockerd-entrypoint.sh'), '--tls=false'], env)
  t.equal(r.exitCode, 0, 'exits 0', { stderr: r.stderr })
  t.same(tree.recorded(), expected)
  t.match(r.stderr, /^dockerd-autonet: /m, 'the wrapper ran (its log lines)')
})

t.test('GitLab services: command: ["--registry-mirror=…"] with TLS off', async (t) => {
  const tree = await makeTree('dind', bundle)
  t.teardown(tree.remove)
  const env = { DOCKER_TLS_CERTDIR: '' }
  const entry = ['--host=unix:///var/run/docker.sock', '--host=tcp://0.0.0.0:2375', '--registry-mirror=https://mirror.example']
  const expected = await expectPlanned(t, tree, PATHS.dindReal, entry)
  const r = await tree.run([...SH, tree.at('/usr/local/bin/dockerd-entrypoint.sh'), '--registry-mirror=https://mirror.example'], env)
  t.equal(r.exitCode, 0, 'exits 0', { stderr: r.stderr })
  t.same(tree.recorded(), expected)
})

t.test('GitLab command with one of our flags among dockerd\'s: taken out, applied', async (t) => {
  const tree = await makeTree('dind', bundle)
  t.teardown(tree.remove)
  const env = { DOCKER_TLS_CERTDIR: '' }
  const entry = ['--host=unix:///var/run/docker.sock', '--host=tcp://0.0.0.0:2375', '--registry-mirror=https://mirror.example']
  const expected = await expectPlanned(t, tree, PATHS.dindReal, entry, ['--autonet-max-mtu=9000'])
  const r = await tree.run([...SH, tree.at('/usr/local/bin/dockerd-entrypoint.sh'), '--autonet-max-mtu=9000', '--registry-mirror=https://mirror.example'], env)
  t.equal(r.exitCode, 0, 'exits 0', { stderr: r.stderr })
  t.same(tree.recorded(), expected)
})

t.test('DOCKERD_AUTONET_* env reaches the wrapper through the entrypoint', async (t) => {
  const tree = await makeTree('dind', bundle)
  t.teardown(tree.remove)
  const entry = ['--host=unix:///var/run/docker.sock', '--host=tcp://0.0.0.0:2375']
  const r = await tree.run([...SH, tree.at('/usr/local/bin/dockerd-entrypoint.sh')], { DOCKER_TLS_CERTDIR: '', DOCKERD_AUTONET_DISABLE: '1' })
  t.equal(r.exitCode, 0, 'exits 0', { stderr: r.stderr })
  t.same(tree.recorded(), [tree.at(PATHS.dindReal), ...entry], 'disabled: exactly the entrypoint\'s argv')
})

t.test('Drone plugins/docker: its absolute /usr/local/bin/dockerd lands on the shim', async (t) => {
  const tree = await makeTree('drone', bundle)
  t.teardown(tree.remove)
  // drone-docker's commandDaemon: exec.Command("/usr/local/bin/dockerd", "--data-root", …).
  const daemon = ['--data-root', '/var/lib/docker', '--host=unix:///var/run/docker.sock']
  const expected = await expectPlanned(t, tree, PATHS.moved, daemon)
  const r = await tree.run([tree.at(PATHS.droneShim), ...daemon], { DOCKER_HOST: 'unix:///var/run/docker.sock' })
  t.equal(r.exitCode, 0, 'exits 0', { stderr: r.stderr })
  t.same(tree.recorded(), expected)
})

t.test('dockerd --version through the shim: the real binary answers, nothing is planned', async (t) => {
  const tree = await makeTree('dind', bundle)
  t.teardown(tree.remove)
  const r = await tree.run(['dockerd', '--version'])
  t.equal(r.exitCode, 0, 'exits 0', { stderr: r.stderr })
  t.equal(r.stdout.trim(), `Docker version ${STUB_VERSION}, build 0000000`)
  t.notMatch(r.stderr, /starting:/, 'no plan, no start')
})

t.test('shim fails open: without dockerd-autonet the real dockerd starts with the argv unchanged', async (t) => {
  const tree = await makeTree('dind', bundle)
  t.teardown(tree.remove)
  unlinkSync(tree.at(PATHS.wrapper))
  const r = await tree.run([...SH, tree.at(PATHS.dindShim), '--data-root', '/x'])
  t.equal(r.exitCode, 0, 'exits 0', { stderr: r.stderr })
  t.same(tree.recorded(), [tree.at(PATHS.dindReal), '--data-root', '/x'])
  t.match(r.stderr, /dockerd-autonet or node is missing/)
})

/** The shells the shim must run in: the images' busybox ash and Debian's dash, where this machine has them. */
const SHELLS = [['/usr/bin/busybox', 'sh'], ['/bin/dash']].filter((sh) => existsSync(sh[0]))

t.test('shim without dockerd-autonet keeps the contract: a dry run starts nothing, a second daemon\'s bridge exits 2, our words are taken out', async (t) => {
  const tree = await makeTree('dind', bundle)
  t.teardown(tree.remove)
  unlinkSync(tree.at(PATHS.wrapper))
  const real = tree.at(PATHS.dindReal)
  for (const sh of SHELLS) {
    const run = (args: string[], env: Record<string, string> = {}) => tree.run([...sh, tree.at(PATHS.dindShim), ...args], env)
    const starts: [string[], Record<string, string>, string[]][] = [
      // Two-word values: a valued option takes any word but a flag, a switch only a switch word.
      [['--autonet-debug', '--autonet-max-mtu', '9000', '--data-root', '/x', '--autonet-debug', 'TRUE', '--autonet-mtu-scope', '--debug', '--autonet-probe=h', '-H', 'fd://'], {}, ['--data-root', '/x', '--debug', '-H', 'fd://']],
      // Look-alikes are ours too (isOurs), a typographic dash included; a word with "autonet" only in its value is not.
      [['--Autonet_Debug', '\u2014autonet-debug', '-autonet-no-conntrack=1', '--label=autonet', '--autonet-disable', 'yes'], {}, ['--label=autonet']],
      // A dry run clearly false in any spelling starts, its value taken out; so does a flag over the variable.
      [['--autonet-dry-run', 'no', '--data-root', '/x'], {}, ['--data-root', '/x']],
      [['--autonet-dry-run=OFF', '--data-root', '/x'], { DOCKERD_AUTONET_DRY_RUN: '1' }, ['--data-root', '/x']],
      [['--data-root', '/x'], { DOCKERD_AUTONET_DRY_RUN: ' false ', DOCKERD_AUTONET_BRIDGE: '  ' }, ['--data-root', '/x']],
      // Look-alike variables count by the same names; a clearly false one, or another option's, starts.
      [['--data-root', '/x'], { DOCKER_AUTONET_DRYRUN: 'off', DOCKERD_AUTONET_NO_BRIDGE_MACC: '1', DOCKERD_AUTONET_DEBUGG: '1', AUTONET_BRIDGE: 'x' }, ['--data-root', '/x']],
      // --autonet-no-bridge-mac asks for no bridge.
      [['--autonet-no-bridge-mac', '--data-root', '/x'], { DOCKERD_AUTONET_NO_BRIDGE_MAC: '1' }, ['--data-root', '/x']],
      // Any other word of ours takes a next word that looks like a value (a digit or `-` and a
      // digit first, `=` in it, a switch word), never a plain word, a flag or a word of ours.
      [['--autonet-mtu', '1400', '--debug'], {}, ['--debug']],
      [['-H', 'unix:///x', '--autonet-mtu', '1400'], {}, ['-H', 'unix:///x']],
      [['--autonet-version', '26.1.5'], {}, []],
      [['--autonet-no-conntrack', '1400', '--autonet-zone', 'br-ci=10.99.0.1/24', '--autonet_max_mtu', '9000', '--autonet-max-mtu', '-5', '--debug', '--autonet-bogus', 'stray', '--autonet-mtu', '-D'], {}, ['--debug', '-D']],
      // dockerd takes no positional word: a plain one after ours is its value (trial 2: `--autonet-mtu auto` reached dockerd).
      [['--autonet-mtu', 'auto', '--debug', '--autonet-debug', 'enabled'], {}, ['--debug']],
      // dockerd's own shorthands with "autonet" in the attached value are dockerd's (pflag reads -Hx as -H x).
      [['-Hunix:///run/autonet.sock', '-p/run/dockerd-autonet.pid', '-Dlautonet', '-autonet-no-conntrack', '-Dautonet-debug', '--debug'], {}, ['-Hunix:///run/autonet.sock', '-p/run/dockerd-autonet.pid', '-Dlautonet', '--debug']],
    ]
    for (const [args, env, want] of starts) {
      const what = `${sh.join(' ')}: ${JSON.stringify(args)} ${JSON.stringify(env)}`
      const r = await run(args, env)
      t.equal(r.exitCode, 0, `${what}: exits 0`, { stderr: r.stderr })
      t.same(tree.recorded(), [real, ...want], `${what}: started, ours taken out`)
      t.match(r.stderr, /^dockerd shim: \S+ or node is missing; starting \S+ without dockerd-autonet/m)
    }
    const dry: [string[], Record<string, string>, string][] = [
      [['--autonet-dry-run', '--data-root', '/x'], {}, '--data-root /x'],
      [['--data-root', '/x y', '--autonet-dry-run', 'maybe'], {}, "--data-root '/x y'"],
      [['--autonet-dry-run=', "--label=it's"], {}, "'--label=it'\\''s'"],
      [['--autonet_dry_run=no', '--autonet-dry', '--debug'], {}, '--debug'],
      [['--data-root', '/x'], { DOCKERD_AUTONET_DRY_RUN: '1' }, '--data-root /x'],
      [['--autonet-debug'], { DOCKERD_AUTONET_DRY_RUN: 'perhaps' }, ''],
      // A look-alike does not beat the variable, as in the wrapper.
      [['--autonet_dry_run=false'], { DOCKERD_AUTONET_DRY_RUN: 'true' }, ''],
      [['-autonet-dry-run', '-Hunix:///run/autonet.sock'], {}, '-Hunix:///run/autonet.sock'],
      [['--autonet-dry-run', '1400', '--debug'], {}, '--debug'],
      // Trial: look-alike variables were not read without the wrapper.
      [['--debug'], { DOCKERD_AUTONET_DRYRUN: '1' }, '--debug'],
      [['--debug'], { DOCKER_AUTO_NET_DRY_RUN: 'yes', DOCKERD_AUTONET_DRY_RUN: 'false' }, '--debug'],
      [['--debug'], { dockerd_autonet_dry_run: 'maybe' }, '--debug'],
      // A dry-run look-alike is taken as one whatever else says no, as in the wrapper (trial 5).
      [['--autonet-dry-run=false', '--debug'], { DOCKERD_AUTONET_DRYRUN: '1' }, '--debug'],
    ]
    for (const [args, env, command] of dry) {
      const what = `${sh.join(' ')}: ${JSON.stringify(args)} ${JSON.stringify(env)}`
      const r = await run(args, env)
      t.equal(r.exitCode, 0, `${what}: exits 0`, { stderr: r.stderr })
      t.equal(tree.recorded(), null, `${what}: a dry run starts nothing`)
      t.equal(r.stdout, `aside:    ${tree.at(PATHS.wrapper)} or node is missing (dockerd shim)\nadds:     nothing\nactions:  none\ncommand:  ${real}${command ? ` ${command}` : ''}`, `${what}: what it would start (execa drops the last newline)`)
    }
    const bridges: [string[], Record<string, string>, string][] = [
      [['--autonet-bridge=br-z=10.6.0.1/24', '--data-root', '/x'], {}, '--autonet-bridge'],
      [['--autonet-bridge', 'br-z=10.6.0.1/24'], {}, '--autonet-bridge'],
      [['--autonet_Bridge=br-z'], {}, '--autonet_Bridge'],
      [['--autonet-bridg=br-z=10.6.0.1/24'], {}, '--autonet-bridg'],
      [['--data-root', '/x'], { DOCKERD_AUTONET_BRIDGE: 'br-z=10.6.0.1/24' }, 'DOCKERD_AUTONET_BRIDGE'],
      [['--data-root', '/x'], { DOCKERD_AUTONET_BRIDG: 'br-z=10.6.0.1/24' }, 'DOCKERD_AUTONET_BRIDG'],
      [['--data-root', '/x'], { Docker_AutoNet_Bridge: 'br-z' }, 'Docker_AutoNet_Bridge'],
      [['--autonet-dry-run', '--autonet-bridge=br-z=10.6.0.1/24'], {}, '--autonet-bridge'],
      // A word of ours is no value of another: the bridge after a valued option still counts.
      [['--autonet-max-mtu', '\u2014autonet-bridge=br-z=10.6.0.1/24'], {}, '\u2014autonet-bridge'],
      [['--autonet-mtu', '--autonet-bridge', 'br-z=10.6.0.1/24'], {}, '--autonet-bridge'],
    ]
    for (const [args, env, named] of bridges) {
      const what = `${sh.join(' ')}: ${JSON.stringify(args)} ${JSON.stringify(env)}`
      const r = await run(args, env)
      t.equal(r.exitCode, 2, `${what}: exits 2`, { stderr: r.stderr })
      t.equal(tree.recorded(), null, `${what}: nothing started`)
      t.match(r.stderr, `dockerd shim: ${tree.at(PATHS.wrapper)} or node is missing, and ${named} asks for a second daemon's bridge, which only dockerd-autonet makes; not starting ${real}`)
    }
  }
})

t.test('shim: a look-alike variable whose name is no shell name (sh drops it on exec, the wrapper would never see it) takes the plain start: a dry run starts nothing, a bridge exits 2, any other steps aside; other odd names change nothing', async (t) => {
  const tree = await makeTree('dind', bundle)
  t.teardown(tree.remove)
  const real = tree.at(PATHS.dindReal)
  const base = { DOCKERD_AUTONET_DOCKERD_VERSION: STUB_VERSION }
  const because = (names: string) => `${names}: not a shell name, so sh cannot hand it to dockerd-autonet`
  for (const sh of SHELLS) {
    const run = (env: Record<string, string>, args: string[]) => tree.run([...sh, tree.at(PATHS.dindShim), ...args], { ...base, ...env })
    const dry: [Record<string, string>, string[], string, string][] = [
      [{ 'DOCKERD_AUTONET_DRY-RUN': '1' }, ['--data-root', '/x'], 'DOCKERD_AUTONET_DRY-RUN', '--data-root /x'],
      [{ 'docker-auto-net-dry-run': 'yes' }, ['--autonet-debug', '--debug'], 'docker-auto-net-dry-run', '--debug'],
      // Trial 3: a newline in the name split it into a shell name and a line without `=`.
      [{ 'DOCKERD_AUTONET_DRY_RUN\n': '1' }, ['--debug'], 'DOCKERD_AUTONET_DRY_RUN\\x0a', '--debug'],
      [{ 'DOCKERD_AUTONET\n_DRY_RUN': '1' }, ['--debug'], 'DOCKERD_AUTONET\\x0a_DRY_RUN', '--debug'],
      [{ 'DOCKERD_AUTONET_DRY.RUN': '1' }, ['--debug'], 'DOCKERD_AUTONET_DRY.RUN', '--debug'],
      [{ 'DOCKERD_AUTONET_DRY RUN': '1' }, ['--debug'], 'DOCKERD_AUTONET_DRY\\x20RUN', '--debug'],
      // Not clearly false: its value read exactly, a newline inside it.
      [{ 'DOCKERD_AUTONET_DRY-RUN': 'no\nyes' }, [], 'DOCKERD_AUTONET_DRY-RUN', ''],
      // As for a shell name, the look-alike counts next to a clearly false variable.
      [{ 'DOCKERD_AUTONET.DRY_RUN': 'perhaps', DOCKERD_AUTONET_DRY_RUN: 'false' }, [], 'DOCKERD_AUTONET.DRY_RUN', ''],
    ]
    for (const [env, args, names, command] of dry) {
      const what = `${sh.join(' ')}: ${JSON.stringify(env)}`
      const r = await run(env, args)
      t.equal(r.exitCode, 0, `${what}: exits 0`, { stderr: r.stderr })
      t.equal(tree.recorded(), null, `${what}: a dry run starts nothing`)
      t.equal(r.stdout, `aside:    ${because(names)} (dockerd shim)\nadds:     nothing\nactions:  none\ncommand:  ${real}${command ? ` ${command}` : ''}`, `${what}: what it would start`)
    }
    const bridges: [Record<string, string>, string][] = [
      [{ 'DOCKERD_AUTONET_BRIDGE-': 'br-x=10.9.0.1/24' }, 'DOCKERD_AUTONET_BRIDGE-'],
      [{ 'Docker-AutoNet-Bridg': 'br-x' }, 'Docker-AutoNet-Bridg'],
      [{ 'DOCKERD_AUTONET_BRIDGE\n': 'br-x=10.9.0.1/24' }, 'DOCKERD_AUTONET_BRIDGE\\x0a'],
      // Trial 4: an odd byte inside "bridge" hid it, and the plain start ran dockerd on docker0.
      [{ 'DOCKERD_AUTONET_BRID.GE': 'br-x=10.9.0.1/24' }, 'DOCKERD_AUTONET_BRID.GE'],
      [{ 'DOCKERD_AUTONET_BRI\nDGE': 'br-x=10.9.0.1/24' }, 'DOCKERD_AUTONET_BRI\\x0aDGE'],
    ]
    for (const [env, name] of bridges) {
      const what = `${sh.join(' ')}: ${JSON.stringify(env)}`
      const r = await run(env, ['--data-root', '/x'])
      t.equal(r.exitCode, 2, `${what}: exits 2`, { stderr: r.stderr })
      t.equal(tree.recorded(), null, `${what}: nothing started, never on docker0`)
      t.match(r.stderr, `dockerd shim: ${because(name)}, and ${name} asks for a second daemon's bridge, which only dockerd-autonet makes; not starting ${real}`)
    }
    const aside: [Record<string, string>, string][] = [
      [{ 'DOCKERD_AUTONET_MAX-MTU': '1400' }, 'DOCKERD_AUTONET_MAX-MTU'],
      // A dry run clearly false (its value trimmed, a newline too) is still a look-alike: aside.
      [{ 'DOCKERD_AUTONET_DRY-RUN': ' Off\n' }, 'DOCKERD_AUTONET_DRY-RUN'],
      // A byte that is not printable is named by its hex.
      [{ 'DOCKERD_AUTONET_DEBUG\u00e9': '1' }, 'DOCKERD_AUTONET_DEBUG\\xc3\\xa9'],
    ]
    for (const [env, names] of aside) {
      const what = `${sh.join(' ')}: ${JSON.stringify(env)}`
      const r = await run(env, ['--autonet-max-mtu', '9000', '--data-root', '/x'])
      t.equal(r.exitCode, 0, `${what}: exits 0`, { stderr: r.stderr })
      t.same(tree.recorded(), [real, '--data-root', '/x'], `${what}: the user's words, ours taken out, nothing planned`)
      t.match(r.stderr, `dockerd shim: ${because(names)}; starting ${real} without dockerd-autonet, 2 word(s) of ours taken out`)
      t.notMatch(r.stderr, /^dockerd-autonet: /m, `${what}: the wrapper did not run`)
    }
    // Not ours, blank, or only in a value: the wrapper plans as ever.
    const normal: Record<string, string>[] = [{ 'FOO-BAR': '1' }, { 'DOCKER-HOST': 'x' }, { 'AUTONET_DRY-RUN': '1' }, { 'DOCKERD_AUTONET_DRY-RUN': ' \n ' }, { X: 'a\nDOCKERD_AUTONET_DRY-RUN=1' }]
    for (const env of normal) {
      const what = `${sh.join(' ')}: ${JSON.stringify(env)}`
      const r = await run(env, ['--data-root', '/x'])
      t.equal(r.exitCode, 0, `${what}: exits 0`, { stderr: r.stderr })
      t.same(tree.recorded()?.slice(0, 3), [real, '--data-root', '/x'], `${what}: started`)
      t.match(r.stderr, /^dockerd-autonet: starting: /m, `${what}: through the wrapper, planned`)
      t.notMatch(r.stderr, /dockerd shim:/, `${what}: no word from the shim`)
    }
  }
  // Without the wrapper the plain start reads them too.
  unlinkSync(tree.at(PATHS.wrapper))
  const r = await tree.run([...SH, tree.at(PATHS.dindShim), '--data-root', '/x'], { 'DOCKERD_AUTONET_DRY-RUN': '1' })
  t.equal(r.exitCode, 0, { stderr: r.stderr })
  t.equal(tree.recorded(), null, 'without the wrapper: a dry run starts nothing')
  t.match(r.stdout, /^aside: {4}\S+ or node is missing \(dockerd shim\)$/m)
})

t.test('the shim\'s lists are the wrapper\'s: the switch words (switchWord), dockerd\'s shorthands (flags.ts)', async (t) => {
  const shim = readFileSync(join(REPO, 'image/dockerd-shim.sh'), 'utf8')
  const list = (name: string) => new RegExp(`^${name}='([^']*)'$`, 'm').exec(shim)?.[1].split(' ')
  const letters = (bool: boolean) => dockerdFlagNames().filter((n) => BOOLEAN_FLAGS.has(n) === bool).map(shorthandOf).filter((c) => c !== null).sort()
  t.same(list('short_switch')?.sort(), letters(true), 'short_switch: the shorthand of every boolean flag of dockerd\'s')
  t.same(list('short_valued')?.sort(), letters(false), 'short_valued: the shorthand of every flag of dockerd\'s that takes a value')
  t.equal(letters(true).length + letters(false).length, 12, 'every shorthand flags.ts knows, in one of the lists')
  const [yes, no] = SWITCH_WORDS_TEXT.split(' or ').map((part) => part.split(', '))
  t.same(list('switch_true'), yes)
  t.same(list('switch_false'), no)
  for (const w of yes) t.equal(switchWord(w.toUpperCase()), true, `${w} reads true in any case`)
  for (const w of no) t.equal(switchWord(w.toUpperCase()), false, `${w} reads false in any case`)
  for (const w of ['y', 'n', 'enable', 'disable', '2']) t.equal(switchWord(w), null, `${w}: no switch word, in neither list`)
})

t.test('shim with DOCKERD_WRAPPED_BY_AUTONET set: through the wrapper, nothing planned, ours taken out, the bridge kept; at 4, nothing (a loop)', async (t) => {
  const tree = await makeTree('dind', bundle)
  t.teardown(tree.remove)
  const r = await tree.run([...SH, tree.at(PATHS.dindShim), '--autonet-debug', '--autonet-bridge=br-z=10.6.0.1/24', '--data-root', '/x'], { DOCKERD_WRAPPED_BY_AUTONET: '1' })
  t.equal(r.exitCode, 0, 'exits 0', { stderr: r.stderr })
  t.same(tree.recorded(), [tree.at(PATHS.dindReal), '--data-root', '/x', '--bridge=br-z'], 'the argv without ours, a second daemon\'s bridge kept')
  t.equal(tree.recordedEnv()?.DOCKERD_WRAPPED_BY_AUTONET, '2', 'the wrapper counted the hand-over')
  t.match(r.stderr, /DOCKERD_WRAPPED_BY_AUTONET=1: dockerd-autonet already planned this dockerd/)
  t.notMatch(r.stderr, /starting: /, 'nothing planned')
  const dry = await tree.run([...SH, tree.at(PATHS.dindShim), '--autonet-dry-run', '--data-root', '/x'], { DOCKERD_WRAPPED_BY_AUTONET: '1' })
  t.equal(dry.exitCode, 0, { stderr: dry.stderr })
  t.equal(tree.recorded(), null, 'a dry run starts nothing')
  t.match(dry.stdout, /\ncommand: {2}\S+\/usr\/local\/bin\/dockerd --data-root \/x$/)
  const loop = await tree.run([...SH, tree.at(PATHS.dindShim), '--data-root', '/x'], { DOCKERD_WRAPPED_BY_AUTONET: '4' })
  t.equal(loop.exitCode, 127)
  t.equal(tree.recorded(), null, 'nothing started')
  t.match(loop.stderr, /^dockerd shim: DOCKERD_WRAPPED_BY_AUTONET=4: dockerd-autonet has handed this dockerd on 4 times or more, which only a loop does; not starting \S+\/usr\/local\/bin\/dockerd$/m)
})

t.test('shim and wrapper read DOCKERD_WRAPPED_BY_AUTONET the same (handovers()): the same start or refusal, the value named as set', async (t) => {
  const tree = await makeTree('dind', bundle)
  t.teardown(tree.remove)
  for (const v of ['', ' ', '0', '000', '1', '3', '4', 'x', '0001', '0004', '100']) {
    const n = handovers({ [WRAPPED_VAR]: v })
    const what = `${WRAPPED_VAR}=${JSON.stringify(v)} (${n})`
    for (const [who, cmd] of [['shim', [...SH, tree.at(PATHS.dindShim)]], ['wrapper', ['node', tree.at(PATHS.bundle), tree.at(PATHS.dindReal)]]] as const) {
      // --autonet-disable: nothing planned at 0 either, so every value ends in a plain exec.
      const r = await tree.run([...cmd, '--autonet-disable', '--data-root', '/x'], { [WRAPPED_VAR]: v })
      if (n >= 4) {
        t.equal(r.exitCode, 127, `${who}, ${what}: refused`)
        t.equal(tree.recorded(), null, `${who}, ${what}: nothing started`)
        t.match(r.stderr, `${WRAPPED_VAR}=${v}: `, `${who}, ${what}: the value as set`)
      } else {
        t.equal(r.exitCode, 0, `${who}, ${what}: started`, { stderr: r.stderr })
        t.same(tree.recorded(), [tree.at(PATHS.dindReal), '--data-root', '/x'], `${who}, ${what}: the real dockerd, ours taken out`)
        t.equal(tree.recordedEnv()?.[WRAPPED_VAR], String(n + 1), `${who}, ${what}: counted once more`)
      }
    }
  }
  t.same(['', ' ', '0', '000', '1', '3', '4', 'x', '0001'].map((v) => handovers({ [WRAPPED_VAR]: v })), [0, 1, 0, 0, 1, 3, 4, 1, 1])
})

t.test('dockerd-autonet dockerd-entrypoint.sh with the shim installed: planned once, the entrypoint\'s dockerd (the shim) passes it on', async (t) => {
  const tree = await makeTree('dind', bundle)
  t.teardown(tree.remove)
  const env = { DOCKER_TLS_CERTDIR: '', DOCKERD_AUTONET_DOCKERD_VERSION: STUB_VERSION }
  const r = await tree.run(['node', tree.at(PATHS.bundle), tree.at('/usr/local/bin/dockerd-entrypoint.sh'), '--debug'], env)
  t.equal(r.exitCode, 0, 'exits 0', { stderr: r.stderr })
  t.equal(r.stderr.match(/^dockerd-autonet: starting: /gm)?.length, 1, 'one plan, one start line')
  t.equal(tree.recorded()?.[0], tree.at(PATHS.dindReal), 'the real dockerd ran')
})

t.test('shim fails open on a NODE_OPTIONS Node refuses: the wrapper runs without it, dockerd gets it back as given', async (t) => {
  const tree = await makeTree('dind', bundle)
  t.teardown(tree.remove)
  for (const bad of ['--require /nonexistent/hook.js', '--no-such-node-option', '']) {
    // Through env(1): tap's process-info hook rewrites NODE_OPTIONS in every child it spawns.
    const r = await tree.run(['env', `NODE_OPTIONS=${bad}`, ...SH, tree.at(PATHS.dindShim), '--data-root', '/x'], { DOCKERD_AUTONET_DOCKERD_VERSION: STUB_VERSION })
    t.equal(r.exitCode, 0, `NODE_OPTIONS=${JSON.stringify(bad)}: exits 0`, { stderr: r.stderr })
    t.same(tree.recorded()?.slice(0, 3), [tree.at(PATHS.dindReal), '--data-root', '/x'], 'the real dockerd started with the argv first')
    t.match(r.stderr, /^dockerd-autonet: starting: /m, 'the wrapper ran and planned')
    const env = tree.recordedEnv() ?? {}
    t.equal(env.NODE_OPTIONS, bad, 'dockerd\'s NODE_OPTIONS is the user\'s, exactly')
    t.notOk('DOCKERD_WRAPPED_NODE_OPTIONS' in env, 'our carrier is gone')
    t.equal(env.DOCKERD_WRAPPED_BY_AUTONET, '1')
  }
  const unset = await tree.run(['env', '-u', 'NODE_OPTIONS', ...SH, tree.at(PATHS.dindShim)], { DOCKERD_WRAPPED_NODE_OPTIONS: 'stale', DOCKERD_AUTONET_DOCKERD_VERSION: STUB_VERSION })
  t.equal(unset.exitCode, 0, { stderr: unset.stderr })
  t.notOk('NODE_OPTIONS' in (tree.recordedEnv() ?? { NODE_OPTIONS: 'no record' }), 'unset stays unset, a stale carrier is not taken for it')
})

/** `words` run by a shell, a Buffer among them byte for byte (execa passes strings, as UTF-8 only): printf makes the bytes. */
function runBytes(tree: Tree, words: (string | Buffer)[], env: Record<string, string> = {}) {
  const strings: string[] = []
  const made: string[] = []
  const parts = words.map((w, i) => {
    if (typeof w === 'string') return `"\${${strings.push(w)}}"`
    // An x after the bytes keeps a trailing newline from $(…).
    made.push(`r${i}=$(printf '${Array.from(w, (b) => `\\${b.toString(8).padStart(3, '0')}`).join('')}x'); r${i}=\${r${i}%x}`)
    return `"$r${i}"`
  })
  return tree.run(['sh', '-c', [...made, `exec ${parts.join(' ')}`].join('\n'), 'sh', ...strings], env)
}

/** The argv the stub dockerd recorded, each word in hex (bytes compared exactly), or null. */
function recordedHex(tree: Tree): string[] | null {
  const path = join(tree.root, 'record')
  if (!existsSync(path)) return null
  const raw = readFileSync(path)
  const words: string[] = []
  for (let at = 0; at < raw.length;) {
    const end = raw.indexOf(0, at)
    words.push(raw.subarray(at, end).toString('hex'))
    at = end + 1
  }
  return words
}

const hex = (...words: (string | Buffer)[]) => words.map((w) => Buffer.from(w).toString('hex'))
const bytes = (text: string, ...tail: number[]) => Buffer.concat([Buffer.from(text), Buffer.from(tail)])

t.test('shim: an argument that is not UTF-8 goes through dockerd-autonet and reaches dockerd byte for byte', async (t) => {
  const tree = await makeTree('dind', bundle)
  t.teardown(tree.remove)
  const real = tree.at(PATHS.dindReal)
  const env = { DOCKERD_AUTONET_DOCKERD_VERSION: STUB_VERSION }
  for (const sh of SHELLS) {
    const shim = [...sh, tree.at(PATHS.dindShim)]
    for (const tail of [[0xff, 0x62], [0xc3], [0xed, 0xa0, 0x80], [0x0a, 0xff, 0x0a]]) {
      const label = bytes('--label=k=a', ...tail)
      const what = `${sh.join(' ')}: --label=k=a + ${Buffer.from(tail).toString('hex')}`
      const r = await runBytes(tree, [...shim, '--data-root', '/x', label], env)
      t.equal(r.exitCode, 0, `${what}: exits 0`, { stderr: r.stderr })
      t.same(recordedHex(tree)?.slice(0, 4), hex(real, '--data-root', '/x', label), `${what}: the exact bytes`)
      t.match(r.stderr, /^dockerd-autonet: starting: /m, `${what}: through the wrapper`)
      t.notMatch(r.stderr, /refused|error/, `${what}: planned, not stepped aside`)
      t.notOk('DOCKERD_WRAPPED_RAW_ARGV' in (tree.recordedEnv() ?? {}), `${what}: our carrier is gone`)
    }
    // Ours taken out (one of them not UTF-8 either), the user's words in order with their bytes.
    const a = bytes('--label=k=a', 0xff)
    const root = bytes('/x', 0xfe)
    // Another key: one key with two values is a label conflict dockerd refuses (GetConflictFreeLabels).
    const b = bytes('--label=j=b', 0xfd)
    const planned = await runBytes(tree, [...shim, a, '--autonet-max-mtu', '9000', '--data-root', root, '--autonet-max-mtu', bytes('9000'), b], env)
    t.equal(planned.exitCode, 0, { stderr: planned.stderr })
    t.same(recordedHex(tree)?.slice(0, 5), hex(real, a, '--data-root', root, b), `${sh.join(' ')}: each word its own bytes, ours taken out`)
    t.notMatch(planned.stderr, /refused|error/, `${sh.join(' ')}: planned, not stepped aside`)
    const aside = await runBytes(tree, [...shim, bytes('--autonet-debug=', 0xfe), a], env)
    t.equal(aside.exitCode, 0, { stderr: aside.stderr })
    t.same(recordedHex(tree), hex(real, a), `${sh.join(' ')}: a bad option of ours steps aside with the user's bytes`)
    t.match(aside.stderr, /invalid value for --autonet-debug/)
    // The contract holds: a dry run starts nothing, a second daemon keeps its bridge.
    const dry = await runBytes(tree, [...shim, '--autonet-dry-run', '--data-root', '/x', a], env)
    t.equal(dry.exitCode, 0, { stderr: dry.stderr })
    t.equal(tree.recorded(), null, `${sh.join(' ')}: a dry run starts nothing`)
    t.match(dry.stdout, /^command: {2}\S+\/usr\/local\/bin\/dockerd --data-root \/x '--label=k=a\uFFFD'/m)
    const bridge = await runBytes(tree, [...shim, '--autonet-disable', '--autonet-bridge=br-z=10.6.0.1/24', a], env)
    t.equal(bridge.exitCode, 0, { stderr: bridge.stderr })
    t.same(recordedHex(tree), hex(real, a, '--bridge=br-z'), `${sh.join(' ')}: --bridge=NAME kept, the bytes too`)
  }
  // Valid UTF-8 beyond ASCII, and a tab, are Node's to carry: no carrier.
  const fine = await runBytes(tree, [...SH, tree.at(PATHS.dindShim), '--data-root', '/x', bytes('--label=k=a', 0xc3, 0xa9, 0x09, 0x62)], { ...env, DOCKERD_WRAPPED_RAW_ARGV: 'x41' })
  t.equal(fine.exitCode, 0, { stderr: fine.stderr })
  t.same(tree.recorded()?.slice(0, 4), [real, '--data-root', '/x', '--label=k=a\u00e9\tb'])
  t.match(fine.stderr, /^dockerd-autonet: starting: /m, 'through the wrapper')
  t.notMatch(fine.stderr, /DOCKERD_WRAPPED_RAW_ARGV/, 'a stale carrier is unset by the shim, never read')
})

t.test('wrapper: a carrier that does not match its argv is ignored with one warning, and not passed on', async (t) => {
  const tree = await makeTree('dind', bundle)
  t.teardown(tree.remove)
  const real = tree.at(PATHS.dindReal)
  for (const carrier of ['- - x41', '- x2d2d6c6162656c3d62ff', '- zz', '']) {
    const r = await tree.run(['node', tree.at(PATHS.bundle), real, '--label=a\uFFFD'], { DOCKERD_AUTONET_DISABLE: '1', DOCKERD_WRAPPED_RAW_ARGV: carrier })
    t.equal(r.exitCode, 0, { stderr: r.stderr })
    t.same(tree.recorded(), [real, '--label=a\uFFFD'], `${JSON.stringify(carrier)}: Node's strings`)
    t.equal(r.stderr.match(/DOCKERD_WRAPPED_RAW_ARGV does not match this command line/g)?.length, 1, 'one warning')
    t.notOk('DOCKERD_WRAPPED_RAW_ARGV' in (tree.recordedEnv() ?? {}), 'not passed on')
  }
})

t.test('shim: an argument not UTF-8 too long to hand over starts dockerd without the wrapper, its bytes and the contract kept', async (t) => {
  const tree = await makeTree('dind', bundle)
  t.teardown(tree.remove)
  // 70000 bytes: 140000 hex digits would not fit one environment string (128 KiB).
  const long = `"$(head -c 70000 /dev/zero | tr '\\0' '\\377')"`
  const r = await tree.run(['sh', '-c', `exec "$@" --autonet-debug --label=${long}`, 'sh', ...SH, tree.at(PATHS.dindShim), '--data-root', '/x'])
  t.equal(r.exitCode, 0, { stderr: r.stderr })
  t.same(recordedHex(tree), hex(tree.at(PATHS.dindReal), '--data-root', '/x', Buffer.concat([Buffer.from('--label='), Buffer.alloc(70000, 0xff)])))
  t.match(r.stderr, /^dockerd shim: an argument that is not valid UTF-8 is too long to hand to dockerd-autonet with its bytes; starting \S+ without dockerd-autonet, 1 word\(s\) of ours taken out$/m)
})

/** A shell word making `--label=a=` and `n` bytes 0xff (the test's own exec passes them as bytes, not as escapes), and those bytes. */
const ffLabel = (n: number) => ({ word: `"--label=a=$(head -c ${n} /dev/zero | tr '\\0' '\\377')"`, bytes: Buffer.concat([Buffer.from('--label=a='), Buffer.alloc(n, 0xff)]) })

t.test('shim: 33,000 bytes not UTF-8 in one argument, 20,000 in each of two (one sh string of \\ooo each, past MAX_ARG_STRLEN: E2BIG after the clamp) go through the wrapper, planned, every byte back', async (t) => {
  const tree = await makeTree('dind', bundle)
  t.teardown(tree.remove)
  const real = tree.at(PATHS.dindReal)
  const env = { DOCKERD_AUTONET_DOCKERD_VERSION: STUB_VERSION }
  const one = ffLabel(33_000)
  const two = ffLabel(20_000)
  for (const [what, words, want] of [
    ['one of 33,000', `--debug ${one.word}`, hex(real, '--data-root', '/x', '--debug', one.bytes)],
    ['two of 20,000', `${two.word} --debug ${two.word}`, hex(real, '--data-root', '/x', two.bytes, '--debug', two.bytes)],
  ] as const) {
    const r = await tree.run(['sh', '-c', `exec "$@" ${words}`, 'sh', ...SH, tree.at(PATHS.dindShim), '--data-root', '/x'], env)
    t.equal(r.exitCode, 0, `${what}: exits 0`, { stderr: r.stderr.slice(0, 2000) })
    t.same(recordedHex(tree)?.slice(0, want.length), want, `${what}: the exact bytes`)
    t.match(r.stderr, /^dockerd-autonet: starting: /m, `${what}: through the wrapper`)
    t.notMatch(r.stderr, /refused|error|cannot|E2BIG/, `${what}: planned, not stepped aside`)
  }
})

t.test('shim: the carrier\'s limit is the kernel\'s for one environment string (RAW_ARGV_MAX): up to it through the wrapper, past it the plain start, every byte kept', async (t) => {
  const shim = readFileSync(join(REPO, 'image/dockerd-shim.sh'), 'utf8')
  t.match(shim, `if [ "\${#raw_argv}" -gt ${RAW_ARGV_MAX} ]; then`, 'the shim spells RAW_ARGV_MAX')
  t.equal(RAW_ARGV_MAX + 'DOCKERD_WRAPPED_RAW_ARGV='.length + 1, MAX_ARG_STRLEN, 'name, =, value and NUL: MAX_ARG_STRLEN')
  const tree = await makeTree('dind', bundle)
  t.teardown(tree.remove)
  const real = tree.at(PATHS.dindReal)
  const env = { DOCKERD_AUTONET_DOCKERD_VERSION: STUB_VERSION }
  // The shim's argv is `real` and one label: its carrier `- x` and two hex digits a byte, an odd length.
  const fits = (RAW_ARGV_MAX - 3) >> 1
  for (const [bytes, through] of [[fits, true], [fits + 1, false]] as const) {
    const label = ffLabel(bytes - '--label=a='.length)
    const r = await tree.run(['sh', '-c', `exec "$@" ${label.word}`, 'sh', ...SH, tree.at(PATHS.dindShim)], env)
    t.equal(r.exitCode, 0, { stderr: r.stderr.slice(0, 2000) })
    t.same(recordedHex(tree)?.slice(0, 2), hex(real, label.bytes), `${bytes} bytes (a carrier of ${3 + 2 * bytes}): the exact bytes`)
    if (through) t.match(r.stderr, /^dockerd-autonet: starting: /m, `${bytes} bytes: through the wrapper`)
    else t.match(r.stderr, /^dockerd shim: an argument that is not valid UTF-8 is too long to hand to dockerd-autonet with its bytes; starting \S+ without dockerd-autonet$/m, `${bytes} bytes: the plain start`)
    t.notMatch(r.stderr, /cannot|E2BIG/)
  }
})

t.test('shim at the real binary\'s path without the moved binary: a clear error, no loop', async (t) => {
  const tree = await makeTree('drone', bundle)
  t.teardown(tree.remove)
  unlinkSync(tree.at(PATHS.moved))
  const r = await tree.run([tree.at(PATHS.droneShim), '--data-root', '/x'])
  t.equal(r.exitCode, 127)
  t.match(r.stderr, /^dockerd shim: the real dockerd \S*\/usr\/local\/libexec\/dockerd-autonet\/dockerd is missing or not executable/m)
  t.notMatch(r.stderr, /dockerd-autonet: /, 'the wrapper never ran')
  t.equal(tree.recorded(), null)
})

t.test('a shim naming itself as the real dockerd: a clear error, no loop', async (t) => {
  // What a hand-made install got wrong (the shim copied over the binary without moving it).
  const tree = await makeTree('dind', bundle)
  t.teardown(tree.remove)
  const shim = readFileSync(tree.at(PATHS.dindShim), 'utf8')
  writeFileSync(tree.at(PATHS.dindShim), shim.replace(/^real=\S+$/m, `real=${tree.at(PATHS.dindShim)}`))
  const r = await tree.run([...SH, tree.at(PATHS.dindShim), '--data-root', '/x'])
  t.equal(r.exitCode, 127)
  t.match(r.stderr, /is this shim; move the real dockerd to .*\/usr\/local\/libexec\/dockerd-autonet\/dockerd/)
  t.equal(tree.recorded(), null)
})

t.test('the planner sees the stub engine through the explicit path (version-gated flag)', async (t) => {
  const tree = await makeTree('dind', bundle)
  t.teardown(tree.remove)
  const plan = await planFor(tree, PATHS.dindReal, [])
  if (plan.mtu === null) {
    t.comment('no egress MTU on this machine: nothing version-gated to see')
    t.same(plan.args, [])
    return
  }
  t.ok(plan.args.some((a) => a.startsWith('--default-network-opt=')), `Docker ${STUB_VERSION} (from the stub) gets --default-network-opt`)
})
