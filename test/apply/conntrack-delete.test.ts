import t from 'tap'
import { deleteConntrackEntries } from '../../src/apply/conntrack-delete.js'
import { memoryLogger } from '../../src/log.js'
import type { ConntrackEntry } from '../../src/model.js'
import { ConntrackUnusableError } from '../../src/tools/conntrack.js'
import type { Runner } from '../../src/tools/runner.js'

const udp: ConntrackEntry = { id: 'A', proto: 'udp', protonum: 17, orig: { src: '172.17.0.9', dst: '10.0.0.50', sport: 53587, dport: 8125 }, reply: { src: '10.0.0.50', dst: '10.0.0.10', sport: 8125, dport: 53587 } }
const igmp: ConntrackEntry = { id: 'B', proto: 'unknown', protonum: 2, orig: { src: '172.17.0.1', dst: '224.0.0.22' }, reply: { src: '224.0.0.22', dst: '172.17.0.1' } }
const v6: ConntrackEntry = { id: 'C', proto: 'tcp', orig: { src: 'fd00::2', dst: 'fd00::1', sport: 1, dport: 2 }, reply: { src: 'fd00::1', dst: 'fd00::2', sport: 2, dport: 1 } }

t.test('deleted, already gone and failed are counted apart; a failure is logged, not called "gone"', async (t) => {
  const answers: Record<string, { stdout: string, stderr: string, exitCode: number }> = {
    A: { stdout: '', stderr: 'conntrack v1.4.7 (conntrack-tools): 1 flow entries have been deleted.', exitCode: 0 },
    B: { stdout: '', stderr: 'conntrack v1.4.7 (conntrack-tools): unsupported protocol', exitCode: 2 },
    C: { stdout: '', stderr: 'conntrack v1.4.7 (conntrack-tools): 0 flow entries have been deleted.', exitCode: 1 },
  }
  const run: Runner = async (_cmd, args) => answers[args.includes('fd00::2') ? 'C' : args.includes('224.0.0.22') ? 'B' : 'A']
  const log = memoryLogger()
  t.same(await deleteConntrackEntries([udp, igmp, v6], run, log), { deleted: 1, gone: 1, failed: 1 })
  t.match(log.lines.join('\n'), /conntrack: deleted 1 stale entry, 1 already gone, 1 could not be deleted/)
  t.match(log.lines.join('\n'), /warn: conntrack: `conntrack -D -f ipv4 -p 2 .*` failed \(exit 2: conntrack v1\.4\.7 \(conntrack-tools\): unsupported protocol\)/)
})

t.test('no conntrack tool or no permission: one error naming the command, nothing claimed', async (t) => {
  const missing: Runner = async () => ({ stdout: '', stderr: 'conntrack: ENOENT', exitCode: 127 })
  await t.rejects(deleteConntrackEntries([udp], missing, memoryLogger()), /conntrack clean-up skipped: `conntrack -D .*` could not be run/)
  const denied: Runner = async () => ({ stdout: '', stderr: 'Operation not permitted', exitCode: 1 })
  await t.rejects(deleteConntrackEntries([udp], denied, memoryLogger()), /conntrack clean-up skipped/)
})

t.test('"must be root" aborts the clean-up like a missing tool (one rule for every conntrack caller)', async (t) => {
  let calls = 0
  const notRoot: Runner = async () => { calls++; return { stdout: '', stderr: 'conntrack v1.4.7 (conntrack-tools): Operation failed: you must be root', exitCode: 1 } }
  const err = await deleteConntrackEntries([udp, igmp, v6], notRoot, memoryLogger()).then(() => null, (e: unknown) => e)
  t.ok(err instanceof ConntrackUnusableError, 'a ConntrackUnusableError')
  t.match((err as Error).message, /conntrack clean-up skipped: .*you must be root/)
  t.equal(calls, 1, 'stopped at the first answer instead of counting a failure per entry')
})
