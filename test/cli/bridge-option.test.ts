/**
 * --autonet-bridge=NAME=CIDR as read: NAME by the kernel's own rule (dev_valid_name), CIDR a
 * gateway address (not its prefix's network or broadcast address). A bad NAME stops dockerd
 * (contract point 5, exit 2); a bad CIDR with a readable NAME steps aside with --bridge=NAME.
 */
import t from 'tap'
import { interfaceNameProblem, readBridge } from '../../src/cli/option-values.js'
import { readInvocation } from '../../src/cli/invocation.js'
import { runMain } from '../helpers/run-main.js'
import { startFakes } from '../helpers/start-fakes.js'
import { main } from '../../src/cli/main.js'

t.test('interface names: the kernel\'s rule, each broken rule named', async (t) => {
  const bad: Array<[string, RegExp]> = [
    ['', /it is empty/],
    ['a'.repeat(16), /^16 bytes, at most 15 \(IFNAMSIZ 16 with the NUL\)$/],
    // 8 characters, 16 bytes: what counts is bytes.
    ['é'.repeat(8), /^16 bytes, at most 15/],
    ['.', /"\." and "\.\." are refused/],
    ['..', /"\." and "\.\." are refused/],
    ['br/ci', /no "\/"/],
    ['br:0', /no ":"/],
    ['br ci', /whitespace.*0x20/],
    ['br\tci', /whitespace.*0x09/],
    ['br\vci', /whitespace.*0x0b/],
    // c3 a0: the kernel's isspace() is true for 0xa0 (ip link add refuses it with EINVAL).
    ['brà', /whitespace.*0xa0/],
    ['br=ci', /no "=" \(it separates NAME from CIDR\)/],
    // Trial: --autonet-bridge=br%d=… left a bridge br0 behind (the kernel expands %d), then failed on "br%d".
    ['br%d', /no "%" \(the kernel puts a number of its choosing for "%d"/],
    ['br%x', /no "%"/],
  ]
  for (const [name, why] of bad) t.match(interfaceNameProblem(name), why, JSON.stringify(name))
  for (const name of ['br-ci', 'a'.repeat(15), 'é'.repeat(7), 'br.ci', 'br_ci@1', 'ĉ']) t.equal(interfaceNameProblem(name), null, name)
})

t.test('a NAME the kernel refuses: dockerd does not start (point 5), the message names the option and the rule', async (t) => {
  for (const [raw, why] of [['é'.repeat(8), /16 bytes, at most 15/], ['brà', /no whitespace/], ['br%d', /no "%"/]] as const) {
    t.throws(() => readInvocation([`--autonet-bridge=${raw}=10.99.0.1/24`, '--debug'], {}),
      { exitCode: 2, message: new RegExp(`^invalid value for --autonet-bridge: .*is not an interface name: ${why.source}.*not starting dockerd`) }, raw)
    t.throws(() => readInvocation(['--debug'], { DOCKERD_AUTONET_BRIDGE: `${raw}=10.99.0.1/24` }),
      { exitCode: 2, message: /^invalid value for DOCKERD_AUTONET_BRIDGE: / }, `${raw} from the environment`)
  }
})

t.test('the gateway CIDR: its prefix\'s network or broadcast address is no gateway', async (t) => {
  const bad: Array<[string, RegExp]> = [
    ['10.9.0.0/24', /"10\.9\.0\.0\/24": 10\.9\.0\.0 is the network address of \/24, which cannot be the bridge's gateway \(10\.9\.0\.1\/24 can\)/],
    ['10.9.0.255/24', /10\.9\.0\.255 is the broadcast address of \/24.*\(10\.9\.0\.1\/24 can\)/],
    ['10.9.255.255/16', /broadcast address of \/16/],
    ['172.16.0.0/12', /network address of \/12/],
    ['10.9.0.4/30', /network address of \/30/],
    ['10.9.0.7/30', /broadcast address of \/30/],
    ['fd00:9::/64', /fd00:9:: is the Subnet-Router anycast address of \/64 \(host bits 0\).*\(fd00:9::1\/64 can\)/],
  ]
  for (const [cidr, why] of bad) {
    t.throws(() => readBridge(`br-ci=${cidr}`, '--autonet-bridge'), { exitCode: 2, message: why }, cidr)
  }
  for (const cidr of ['10.9.0.1/24', '10.9.0.254/24', '10.9.0.4/31', '10.9.0.5/31', '10.9.0.9/32', 'fd00:9::1/64', 'fd00:9::ffff:ffff:ffff:ffff/64', 'fd00:9::/127']) {
    t.same(readBridge(`br-ci=${cidr}`, '--autonet-bridge'), { name: 'br-ci', cidr }, cidr)
  }
})

t.test('a gateway that is the network address: we step aside, dockerd still gets --bridge=NAME (point 5)', async (t) => {
  const inv = readInvocation(['--autonet-bridge=br-ci=10.9.0.0/24', '--debug'], {})
  t.match(inv, { mode: 'exec', bridge: 'br-ci', dockerdArgs: ['--debug'], optionError: /--autonet-bridge: .*network address of \/24/ })
  t.match(readInvocation(['--debug'], { DOCKERD_AUTONET_BRIDGE: 'br-ci=10.9.0.255/24' }), { mode: 'exec', bridge: 'br-ci', optionError: /DOCKERD_AUTONET_BRIDGE: .*broadcast address/ })
})

t.test('main: a gateway that is no gateway is logged naming the option; dockerd starts with the user\'s arguments and --bridge=NAME', async (t) => {
  const events: string[] = []
  const { code, execs, lines } = await runMain(['--autonet-bridge=br-ci=10.9.0.255/24', '--debug'], {
    readState: async () => { events.push('read'); throw new Error('not read when we step aside') },
    applyActions: async () => { events.push('apply') },
  })
  t.equal(code, 0)
  t.same(execs, [['dockerd', '--debug', '--bridge=br-ci']])
  t.same(events, [], 'nothing read or applied')
  t.match(lines.join('\n'), /error: invalid value for --autonet-bridge: "br-ci=10\.9\.0\.255\/24" \("10\.9\.0\.255\/24": 10\.9\.0\.255 is the broadcast address of \/24, which cannot be the bridge's gateway \(10\.9\.0\.1\/24 can\); e\.g\. br-ci=10\.99\.0\.1\/24\); starting dockerd with your arguments unchanged/)
})

const BR = 'br-ci=10.99.0.1/24'

/** main() on the start fakes, nothing read: the exit code, what was exec'd, the log lines and stdout. */
async function start(argv: string[], env: Record<string, string> = {}) {
  const f = startFakes({ readState: async () => { throw new Error('not read when we step aside') } })
  const code = await main(argv, env, f.deps)
  return { code, execs: f.execs, lines: f.log.lines, stdout: f.stdout() }
}

t.test('a look-alike of --autonet-bridge (flag or variable) still asks for the bridge: dockerd gets --bridge=NAME, never docker0 (point 5 over point 3)', async (t) => {
  const cases: [string[], Record<string, string>][] = [
    [[`--autonet_bridge=${BR}`, '--debug'], {}],
    [['--autonet-brige', BR, '--debug'], {}],
    [[`--autonet-bridge-=${BR}`, '--debug'], {}],
    [['--debug'], { DOCKERD_AUTONET_BRIDG: BR }],
    [['--debug'], { DOCKER_AUTONET_BRIDGE: BR }],
  ]
  for (const [argv, env] of cases) {
    const what = JSON.stringify([argv, env])
    const { code, execs, lines } = await start(argv, env)
    t.equal(code, 0, what)
    t.same(execs, [['dockerd', '--debug', '--bridge=br-ci']], what)
    t.match(lines.join('\n'), /did you mean (--autonet-bridge|DOCKERD_AUTONET_BRIDGE)\?.*taken as asking for bridge br-ci/, what)
    // plan -- shows the same.
    const plan = await start(['plan', '--', ...argv], env)
    t.equal(plan.code, 1, `plan ${what}`)
    t.match(plan.stdout, /command: {2}dockerd --debug --bridge=br-ci\n/, `plan ${what}`)
  }
  // No readable NAME: dockerd does not start (exit 2), as for a bad --autonet-bridge.
  for (const [argv, env] of [[['--autonet-brige'], {}], [['--autonet_bridge=br/x=10.99.0.1/24'], {}], [['--debug'], { DOCKER_AUTONET_BRIDGE: 'docker0=10.99.0.1/24' }]] as [string[], Record<string, string>][]) {
    t.throws(() => readInvocation(argv, env), { exitCode: 2, message: /names no bridge.*not starting dockerd: without its own bridge/ }, JSON.stringify([argv, env]))
    t.throws(() => readInvocation(['plan', '--', ...argv], env), { exitCode: 2, message: /names no bridge.*a start would not start dockerd/ }, `plan ${JSON.stringify([argv, env])}`)
  }
  // A real option beats a look-alike variable.
  t.match(readInvocation(['--autonet-bridge=br-a=10.98.0.1/24', '--debug'], { DOCKER_AUTONET_BRIDGE: BR }), { mode: 'exec', bridge: 'br-a' })
})

t.test('--autonet-disable with --autonet-bridge: dockerd still gets --bridge=NAME (point 5)', async (t) => {
  for (const [argv, env] of [[['--autonet-disable', `--autonet-bridge=${BR}`, '--debug'], {}], [[`--autonet-bridge=${BR}`, '--debug'], { DOCKERD_AUTONET_DISABLE: '1' }]] as [string[], Record<string, string>][]) {
    const what = JSON.stringify([argv, env])
    const { code, execs } = await start(argv, env)
    t.equal(code, 0, what)
    t.same(execs, [['dockerd', '--debug', '--bridge=br-ci']], what)
    const plan = await start(['plan', '--', ...argv], env)
    t.match(plan.stdout, /aside: {4}disabled\n[\s\S]*command: {2}dockerd --debug --bridge=br-ci\n/, `plan ${what}`)
  }
  // The user's own bridge choice still wins.
  const own = await start(['--autonet-disable', `--autonet-bridge=${BR}`, '--bip=10.1.0.1/24'])
  t.same(own.execs, [['dockerd', '--bip=10.1.0.1/24']])
})

t.test('--autonet-bridge=docker0=CIDR is refused: docker0 is the first daemon\'s bridge; dockerd does not start (exit 2)', async (t) => {
  t.throws(() => readBridge('docker0=10.99.0.1/24', '--autonet-bridge'), { exitCode: 2, message: /"docker0" is the first daemon's bridge \(dockerd's default\)/ })
  for (const [argv, env] of [[['--autonet-bridge=docker0=10.99.0.1/24', '--debug'], {}], [['--autonet-bridge', 'docker0', '--debug'], {}], [['--debug'], { DOCKERD_AUTONET_BRIDGE: 'docker0=10.99.0.1/24' }]] as [string[], Record<string, string>][]) {
    t.throws(() => readInvocation(argv, env), { exitCode: 2, message: /invalid value for (--autonet-bridge|DOCKERD_AUTONET_BRIDGE): .*"docker0" is the first daemon's bridge.*not starting dockerd/ }, JSON.stringify([argv, env]))
  }
  const { code, execs } = await start(['--autonet-bridge=docker0=10.99.0.1/24', '--debug'])
  t.equal(code, 2)
  t.same(execs, [])
})

t.test('stepping aside before the machine is read, daemon.json\'s "bridge"/"bip" still wins over --bridge=NAME (trial 6: --autonet-disable, a hand-over and a bad option passed --bridge=NAME next to them; dockerd refuses both)', async (t) => {
  const dir = t.testdir({ 'bridge.json': '{"bridge": "br-t6"}', 'bip.json': '{"bip": "10.5.0.1/24"}', 'none.json': '{"debug": true}', 'broken.json': '{' })
  const asks = ['--autonet-bridge=br9=10.99.0.1/24']
  const ways: [string, string[], Record<string, string>][] = [
    ['--autonet-disable', ['--autonet-disable'], {}],
    ['a hand-over', [], { DOCKERD_WRAPPED_BY_AUTONET: '1' }],
    ['a bad option', ['--autonet-max-mtu=abc'], {}],
  ]
  for (const [way, ours, env] of ways) {
    for (const file of ['bridge.json', 'bip.json']) {
      const f = startFakes()
      const config = `--config-file=${dir}/${file}`
      t.equal(await main([...asks, ...ours, config], env, f.deps), 0)
      t.same(f.execs, [['dockerd', config]], `${way}, ${file}: the file's choice stands, no --bridge=br9`)
      // Trial 7: for "bridge" no line said so (for "bip" one did).
      t.match(f.lines().join('\n'), new RegExp(`not passing --bridge=br9 \\(--autonet-bridge\\): daemon\\.json "${file === 'bridge.json' ? 'bridge' : 'bip'}": "[^"]+" stands`), `${way}, ${file}: one line naming both`)
    }
    for (const file of ['none.json', 'broken.json']) {
      const f = startFakes()
      const config = `--config-file=${dir}/${file}`
      await main([...asks, ...ours, config], env, f.deps)
      t.same(f.execs, [['dockerd', config, '--bridge=br9']], `${way}, ${file}: --bridge=br9 kept (no bridge in it, or unreadable)`)
    }
    const dry = startFakes()
    await main(['--autonet-dry-run', ...asks, ...ours, `--config-file=${dir}/bridge.json`], env, dry.deps)
    t.match(dry.stdout(), new RegExp(`command: {2}dockerd --config-file=${dir}/bridge.json\\n$`), `${way}: the dry run shows the same`)
  }
})
