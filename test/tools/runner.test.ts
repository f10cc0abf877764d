import t from 'tap'
import { describeFailure, EXIT_NOT_STARTED, EXIT_OUTPUT_TOO_LARGE, EXIT_TIMED_OUT, execFileRunner } from '../../src/tools/runner.js'

const run = execFileRunner(1500)

t.test('output and exit status of a finished command', async (t) => {
  t.same(await run('sh', ['-c', 'echo out; echo err >&2']), { stdout: 'out\n', stderr: 'err\n', exitCode: 0 })
  const r = await run('sh', ['-c', 'echo partial; exit 3'])
  t.same([r.stdout, r.exitCode], ['partial\n', 3])
})

t.test('a missing program is 127, named; a hung one is killed and 124', async (t) => {
  const missing = await run('no-such-program-dockerd-autonet', [])
  t.equal(missing.exitCode, EXIT_NOT_STARTED)
  t.match(describeFailure('no-such-program-dockerd-autonet', ['-x'], missing), /^`no-such-program-dockerd-autonet -x` could not be run \(no-such-program-dockerd-autonet: ENOENT\)$/)
  const t0 = Date.now()
  const hung = await run('sleep', ['30'])
  t.equal(hung.exitCode, EXIT_TIMED_OUT)
  t.ok(Date.now() - t0 < 5000, `killed within the bound (${Date.now() - t0} ms)`)
  t.equal(describeFailure('sleep', ['30'], hung), '`sleep 30` timed out after 1.5 s', 'the runner\'s own limit, named')
})

t.test('output beyond the bound: named as too large, not as "could not be run"', async (t) => {
  const small = execFileRunner(5000, 1000)
  const r = await small('sh', ['-c', 'head -c 5000 /dev/zero'])
  t.equal(r.exitCode, EXIT_OUTPUT_TOO_LARGE)
  t.equal(r.stdout, '', 'a truncated answer is not kept')
  t.equal(describeFailure('sh', ['-c', 'x'], r), '`sh -c x` printed more than 1000 bytes (stdout maxBuffer length exceeded); output too large, not read')
  t.same((await small('sh', ['-c', 'head -c 900 /dev/zero'])).exitCode, 0, 'under the bound: read')
})

t.test('a spawn that throws (Node 20 throws E2BIG past MAX_ARG_STRLEN) is "not started", not a rejection (trial 7: the version probe near the exec limit was "an unexpected error while reading")', async (t) => {
  const r = await run('sh', ['-c', 'true', 'x'.repeat(200_000)])
  t.same(r, { stdout: '', stderr: 'sh: E2BIG', exitCode: EXIT_NOT_STARTED })
  t.match(describeFailure('sh', ['-c'], r), /could not be run \(sh: E2BIG\)/)
})
