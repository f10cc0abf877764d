/** The loop guard (src/cli/handover.ts) and how readInvocation uses it. */
import t from 'tap'
import { handovers, MAX_HANDOVERS, SAVED_NODE_OPTIONS_VAR, WRAPPED_VAR, withHandovers } from '../../src/cli/handover.js'
import { readInvocation } from '../../src/cli/invocation.js'

t.test('handovers: unset, empty or 0 is none; a number is itself; anything else counts as one', async (t) => {
  t.equal(WRAPPED_VAR, 'DOCKERD_WRAPPED_BY_AUTONET')
  t.same([undefined, '', '0', '00'].map((v) => handovers({ [WRAPPED_VAR]: v })), [0, 0, 0, 0])
  t.same(['1', '2', '04'].map((v) => handovers({ [WRAPPED_VAR]: v })), [1, 2, 4])
  t.same(['yes', ' 1', '-1'].map((v) => handovers({ [WRAPPED_VAR]: v })), [1, 1, 1])
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
  const bridge = readInvocation(['--autonet-bridge=', '--debug'], { [WRAPPED_VAR]: '1' })
  t.equal(bridge.mode, 'exec', 'a bad --autonet-bridge is the outer wrapper\'s business: no exit 2 here')
  t.equal(bridge.bridge, null)
  t.equal(readInvocation(['sh'], { [WRAPPED_VAR]: '1' }).mode, 'exec')
  t.equal(readInvocation(['sh'], { [WRAPPED_VAR]: '1' }).handover, null, 'a foreign command is not counted')
})

t.test('withHandovers: the user\'s NODE_OPTIONS back from the shim\'s carrier (set, empty), the carrier gone', async (t) => {
  t.equal(SAVED_NODE_OPTIONS_VAR, 'DOCKERD_WRAPPED_NODE_OPTIONS')
  t.same(withHandovers({ [SAVED_NODE_OPTIONS_VAR]: '--require /x.js', A: '1' }, 1), { A: '1', NODE_OPTIONS: '--require /x.js', [WRAPPED_VAR]: '1' })
  t.same(withHandovers({ [SAVED_NODE_OPTIONS_VAR]: '' }, null), { NODE_OPTIONS: '' }, 'empty stays set and empty; a foreign program gets it back too')
  t.same(withHandovers({ NODE_OPTIONS: '--max-old-space-size=64' }, null), { NODE_OPTIONS: '--max-old-space-size=64' }, 'no carrier (not through the shim): as given')
})
