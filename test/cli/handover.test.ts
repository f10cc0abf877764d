/** The loop guard (src/cli/handover.ts) and how readInvocation uses it. */
import t from 'tap'
import { handovers, MAX_HANDOVERS, RAW_ARGV_VAR, SAVED_NODE_OPTIONS_VAR, WRAPPED_VAR, withHandovers } from '../../src/cli/handover.js'
import { readInvocation } from '../../src/cli/invocation.js'
import { main } from '../../src/cli/main.js'
import { startFakes } from '../helpers/start-fakes.js'

t.test('handovers: unset, empty or zeros only is none; a number is itself, leading zeros ignored; anything else counts as one', async (t) => {
  t.equal(WRAPPED_VAR, 'DOCKERD_WRAPPED_BY_AUTONET')
  t.same([undefined, '', '0', '00', '000'].map((v) => handovers({ [WRAPPED_VAR]: v })), [0, 0, 0, 0, 0])
  t.same(['1', '2', '04', '0001', '099'].map((v) => handovers({ [WRAPPED_VAR]: v })), [1, 2, 4, 1, 99], 'leading zeros ignored')
  t.same(['yes', ' 1', '-1', ' '].map((v) => handovers({ [WRAPPED_VAR]: v })), [1, 1, 1, 1], 'a blank too: someone set it')
  t.equal(handovers({ [WRAPPED_VAR]: '100' }), 999)
  t.ok(handovers({ [WRAPPED_VAR]: '123456789012345678901234567890' }) > MAX_HANDOVERS, 'a huge number is past the limit, not NaN')
  t.same(withHandovers({ A: '1' }, 2), { A: '1', [WRAPPED_VAR]: '2' })
})

t.test('readInvocation: the dockerd we start is marked; a foreign command and subcommands are not', async (t) => {
  t.equal(readInvocation(['--debug'], {}).handover, 1, 'run: the first hand-over')
  t.equal(readInvocation(['dockerd-entrypoint.sh'], {}).handover, 1, 'the entrypoint runs dockerd: marked, so its dockerd (our shim) plans nothing again')
  t.equal(readInvocation(['--autonet-disable', '--debug'], {}).handover, 1, 'disabled: marked too, so no inner wrapper plans')
  t.equal(readInvocation(['sh', '-c', 'dockerd'], {}).handover, null, 'a foreign command: its environment is as given')
  t.equal(readInvocation(['dockerd-entrypoint.sh', 'sh'], {}).handover, null)
  t.equal(readInvocation(['plan'], {}).handover, null)
})

t.test('readInvocation: started as dockerd with the variable set, nothing is planned: exec unchanged, counted', async (t) => {
  const inv = readInvocation(['--autonet-max-mtu=9000', '--debug', '--mtu=1400'], { [WRAPPED_VAR]: '1' })
  t.equal(inv.mode, 'exec')
  t.same(inv.dockerdArgs, ['--debug', '--mtu=1400'], 'the words for dockerd, ours taken out as always')
  t.equal(inv.handover, 2)
  t.match(inv.reason, /^DOCKERD_WRAPPED_BY_AUTONET=1: dockerd-autonet already planned this dockerd/)
  t.equal(readInvocation(['sh'], { [WRAPPED_VAR]: '1' }).mode, 'exec')
  t.equal(readInvocation(['sh'], { [WRAPPED_VAR]: '1' }).handover, null, 'a foreign command is not counted')
})

t.test('withHandovers: the user\'s NODE_OPTIONS back from the shim\'s carrier (set, empty), the carrier gone', async (t) => {
  t.equal(SAVED_NODE_OPTIONS_VAR, 'DOCKERD_WRAPPED_NODE_OPTIONS')
  t.same(withHandovers({ [SAVED_NODE_OPTIONS_VAR]: '--require /x.js', A: '1' }, 1), { A: '1', NODE_OPTIONS: '--require /x.js', [WRAPPED_VAR]: '1' })
  t.same(withHandovers({ [SAVED_NODE_OPTIONS_VAR]: '' }, null), { NODE_OPTIONS: '' }, 'empty stays set and empty; a foreign program gets it back too')
  t.same(withHandovers({ NODE_OPTIONS: '--max-old-space-size=64' }, null), { NODE_OPTIONS: '--max-old-space-size=64' }, 'no carrier (not through the shim): as given')
  t.same(withHandovers({ [RAW_ARGV_VAR]: '- x2dff', A: '1' }, 1), { A: '1', [WRAPPED_VAR]: '1' }, 'the argv bytes carrier is about our argv: gone for dockerd')
  t.same(withHandovers({ [RAW_ARGV_VAR]: '-' }, null), {}, 'and for a foreign program')
})

t.test('a hand-over keeps a second daemon\'s bridge like any step-aside, docker0 still exits 2, and plan reads the same depth', async (t) => {
  const env = { [WRAPPED_VAR]: '1' }
  const argv = ['--autonet-dockerd-version=26.1.5', '--autonet-bridge=br-z=10.6.0.1/24']
  t.match(readInvocation(argv, env), { mode: 'exec', dockerdArgs: [], bridge: 'br-z', reason: /^DOCKERD_WRAPPED_BY_AUTONET=1: / })
  const f = startFakes()
  t.equal(await main(argv, env, f.deps), 0)
  t.same(f.execs, [['dockerd', '--bridge=br-z']], 'not docker0')
  t.same(f.events, ['exec'])
  for (const bad of [['--autonet-bridge=docker0=10.6.0.1/24'], ['--autonet-bridge='], ['--autonet-bridge=/x']]) {
    t.throws(() => readInvocation(bad, env), { exitCode: 2, message: /not starting dockerd: without its own bridge/ }, `${bad[0]}: no dockerd on docker0`)
    t.throws(() => readInvocation(['plan', '--', ...bad], env), { exitCode: 2, message: /a start would not start dockerd/ }, `plan -- ${bad[0]}`)
  }
  const plan = startFakes()
  t.equal(await main(['plan', '--', ...argv], env, plan.deps), 1)
  t.match(plan.stdout(), /^aside: {4}DOCKERD_WRAPPED_BY_AUTONET=1: dockerd-autonet already planned this dockerd[^\n]*\n[\s\S]*command: {2}dockerd --bridge=br-z\n$/, 'plan: the start\'s hand-over')
  t.same(plan.events, [])
  // The reason names the value as set.
  t.match(readInvocation(['--debug'], { [WRAPPED_VAR]: '01' }).reason, /^DOCKERD_WRAPPED_BY_AUTONET=01: /)
})
