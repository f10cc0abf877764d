/**
 * readIpBatch: links, both families' routes and the IPv4 rules from one `ip` process, the same
 * Links, Routes, Rules and error lines as the listings read one by one. On the recorded
 * listings, and live on the recorded namespace itself (test/fixtures/read/scenario.sh), built
 * in a namespace this test creates and removes: the batch's `-d` adds keys to routes and rules
 * that the recorded files do not have.
 */
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import { readIpBatch } from '../../src/read/ip-batch.js'
import { readLinks } from '../../src/read/links.js'
import { readRoutes, readRules } from '../../src/read/routes.js'
import { MACHINE_BATCH } from '../../src/tools/iproute2.js'
import { execFileRunner, type Runner, type RunResult } from '../../src/tools/runner.js'
import { createTopology } from '../e2e/lib/netns.js'
import { requireE2E } from '../e2e/lib/preflight.js'
import { FIXTURES, fixtureJson, ok, recordedBatch, recordedCommands, replayRunner, sysfsDump, sysfsSpec } from '../helpers/fake-machine.js'

/** A runner answering the batch with `answer`, anything else as the recorded machine; it records each call and its stdin. */
function batchRunner(answer: RunResult) {
  const alone = replayRunner(recordedCommands())
  const calls: Array<{ key: string, input?: string }> = []
  const run: Runner = async (cmd, args, opts) => {
    const key = [cmd, ...args].join(' ')
    calls.push({ key, input: opts?.input })
    return key === `ip ${MACHINE_BATCH.args.join(' ')}` ? answer : alone(cmd, args)
  }
  return Object.assign(run, { calls })
}

/** The four listings asked one by one, as the batch's fallback asks them. */
async function oneByOne(run: Runner, sysClassNet: string) {
  return {
    links: await readLinks(run, sysClassNet),
    routes4: await readRoutes(4, run),
    routes6: await readRoutes(6, run),
    rules4: await readRules(4, run),
  }
}

t.test('one ip process, four commands on stdin, and what each alone gives', async (t) => {
  const sys = join(t.testdir({ sys: sysfsSpec(sysfsDump(), t.fixture) }), 'sys')
  const run = batchRunner(ok(recordedBatch()))
  const got = await readIpBatch(run, sys)
  t.same(run.calls, [{ key: 'ip -j -d -batch -', input: 'addr show\nroute show table all root 0.0.0.0/0\nroute show table all root ::/0\nrule show\n' }])
  t.same(got, await oneByOne(replayRunner(recordedCommands()), sys), 'the same Links, Routes, Rules and error lines')
  t.same([got?.links.links.length, got?.routes4.routes.length, got?.routes6.routes.length, got?.rules4.rules?.length],
    [fixtureJson('ip-addr.json').length, fixtureJson('ip-route4.json').length, fixtureJson('ip-route6.json').length, fixtureJson('ip-rule4.json').length],
    'every entry of the recorded listings')
})

t.test('anything but four JSON listings is no answer (null), so each listing is asked alone', async (t) => {
  const lines = recordedBatch().split('\n').filter(Boolean)
  for (const [what, answer] of [
    ['busybox ip (no -j, no -batch)', { stdout: '', stderr: 'BusyBox v1.36.1 multi-call binary.', exitCode: 1 }],
    ['ip missing', { stdout: '', stderr: 'spawn ip ENOENT', exitCode: 127 }],
    ['a listing the kernel refused stops the batch', { stdout: `${lines[0]}\n${lines[1]}\n`, stderr: 'Error: ...\nCommand failed -:3', exitCode: 1 }],
    ['three listings', ok(`${lines.slice(0, 3).join('\n')}\n`)],
    ['five listings', ok(`${[...lines, '[]'].join('\n')}\n`)],
    ['not JSON', ok(`${lines.slice(0, 3).join('\n')}\nOption "-j" is unknown\n`)],
    ['an object, not a listing', ok(`${lines.slice(0, 3).join('\n')}\n{}\n`)],
    ['nothing', ok('')],
  ] as const) {
    t.equal(await readIpBatch(batchRunner(answer), FIXTURES), null, what)
  }
})

if (requireE2E(t)) {
  t.test('live: the batch reads the recorded namespace as the listings one by one do', async (t) => {
    const topo = await createTopology({ t })
    const ns = await topo.addNetns('batch')
    execFileSync('sh', [join(FIXTURES, 'scenario.sh'), ns], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 })
    const inNs: Runner = (cmd, args, opts) => execFileRunner(10_000)('ip', ['netns', 'exec', ns, cmd, ...args], opts)
    // sysfs is read in-process, from this (the host's) namespace: an empty tree, alike for both.
    const sys = t.testdir({})
    // The kernel adds IPv6 link-local addresses and routes a while after links come up (DAD):
    // the batch is compared only with a namespace that read the same just before and just
    // after it (10 s at most).
    const raw = await inNs('ip', [...MACHINE_BATCH.args], { input: MACHINE_BATCH.input })
    t.match(raw.stdout, /"type":"unicast".*"protocol":"boot"/, '-d adds the default keys the plain listings leave out')
    let got: Awaited<ReturnType<typeof readIpBatch>> = null
    let alone: Awaited<ReturnType<typeof oneByOne>> | null = null
    for (const end = Date.now() + 10_000; Date.now() < end; await new Promise((r) => setTimeout(r, 250))) {
      const before = await oneByOne(inNs, sys)
      got = await readIpBatch(inNs, sys)
      const after = await oneByOne(inNs, sys)
      if (isDeepStrictEqual(before, after)) { alone = after; break }
    }
    if (got === null) return t.fail(`the real ip gave no batch answer: ${raw.stderr}`)
    if (alone === null) return t.fail('the namespace did not stay the same around one batch in 10 s')
    t.same(got, alone, 'the same Links, Routes, Rules and error lines')
    t.same(got.links.links.map((l) => l.name), ['lo', 'veth1', 'veth0', 'br0', 'vx0', 'tun0'])
    t.same(got.routes4.routes.filter((r) => r.dst === 'default').map((r) => [r.table, r.metric]),
      [['52', 0], ['main', 100], ['main', 200], ['main', 300]], 'IPv4 default routes of every table, no IPv6 among them')
    t.ok(got.routes6.routes.length > 0 && got.routes6.routes.every((r) => r.dst === 'default' || r.dst.includes(':')), 'IPv6 routes only')
    t.same(got.rules4.rules?.map((r) => r.priority), [0, 5210, 5250, 5270, 5300, 5310, 5320, 5330, 5340, 32764, 32765, 32766, 32767], 'the IPv4 rules')
    t.notOk(got.rules4.rules?.some((r) => 'protocol' in r), 'no "protocol" the plain listing leaves out')
  })
}
