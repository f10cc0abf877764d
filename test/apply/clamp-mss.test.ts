/**
 * The MSS clamp applier against a real iptables inside a namespace this test creates: added once,
 * idempotent on a second run (one rule, not two), removable; and a clear error naming the command
 * when iptables cannot be run.
 */
import t from 'tap'
import { ensureMssClamp, removeMssClamp } from '../../src/apply/clamp-mss.js'
import { memoryLogger } from '../../src/log.js'
import { execFileRunner, type Runner } from '../../src/tools/runner.js'
import { createTopology } from '../e2e/lib/netns.js'
import { requireE2E } from '../e2e/lib/preflight.js'

if (requireE2E(t)) {
  t.test('ensureMssClamp adds the rule once, in the namespace it runs in', async (t) => {
    const topo = await createTopology({ t })
    const ns = await topo.addNetns('pod')
    const inNs: Runner = (cmd, args) => execFileRunner(10_000)('ip', ['netns', 'exec', ns, cmd, ...args])
    const log = memoryLogger()
    const count = async () => (await inNs('iptables', ['-t', 'mangle', '-S', 'FORWARD'])).stdout
      .split('\n').filter((l) => l.includes('TCPMSS') && l.includes('--clamp-mss-to-pmtu')).length

    t.equal(await count(), 0, 'no rule before')
    t.same(await ensureMssClamp(inNs, log), ['iptables'], 'first run adds it')
    t.equal(await count(), 1)
    t.same(await ensureMssClamp(inNs, log), [], 'second run changes nothing')
    t.equal(await count(), 1, 'still exactly one rule')
    t.match(log.lines.join('\n'), /MSS clamp: forwarded TCP SYNs now clamped.*UDP\/QUIC .* not covered/)
    await removeMssClamp(inNs)
    t.equal(await count(), 0, 'removed')
    const count6 = async () => (await inNs('ip6tables', ['-t', 'mangle', '-S', 'FORWARD'])).stdout
      .split('\n').filter((l) => l.includes('TCPMSS') && l.includes('--clamp-mss-to-pmtu')).length
    t.same(await ensureMssClamp(inNs, log, true), ['iptables', 'ip6tables'], 'with IPv6: both families')
    t.same([await count(), await count6()], [1, 1])
    t.same(await ensureMssClamp(inNs, log, true), [], 'idempotent for both')
    await removeMssClamp(inNs)
    await removeMssClamp(inNs, 'ip6tables')
    t.same([await count(), await count6()], [0, 0], 'both removed')
    // The host namespace was never touched.
    const host = await execFileRunner()('iptables', ['-t', 'mangle', '-S', 'FORWARD'])
    t.notMatch(host.stdout, /dockerd-autonet/, 'host mangle table untouched')
  })
}

t.test('an iptables that cannot run gives an error naming the command', async (t) => {
  const missing: Runner = async () => ({ stdout: '', stderr: 'spawn iptables ENOENT', exitCode: 127 })
  await t.rejects(ensureMssClamp(missing, memoryLogger()), /MSS clamp: `iptables -t mangle -A FORWARD .*` could not be run/)
})
