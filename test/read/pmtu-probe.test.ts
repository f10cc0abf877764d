import { join } from 'node:path'
import t from 'tap'
import { readMachineState } from '../../src/read/machine-state.js'
import { probePathMtu, PROBE_FLOOR } from '../../src/read/pmtu-probe.js'
import type { Runner } from '../../src/tools/runner.js'
import { recordedCommands, replayRunner, sysfsDump, sysfsSpec } from '../helpers/fake-machine.js'

interface PathSim {
  /** Largest packet the path carries. */
  pmtu: number
  /** MTU of our own link: larger pings fail locally with "message too long, mtu=N". */
  local?: number
  /** The router sends ICMP frag-needed (no black hole). */
  icmp?: boolean
  /** The host answers echo requests at all. */
  answers?: boolean
  /** Which ping is installed. */
  ping?: 'iputils' | 'busybox'
  /** Drop this probe's answers (loss). */
  lose?: (mtu: number) => boolean
  /** What `ip -j route get` prints. */
  route?: string
}

/**
 * A Runner simulating ping over a path, with a clock that runs 25 times faster than the real
 * thing: a failing ping waits 48 ms (1.2 s simulated), so pings run in parallel as they would.
 */
function simulate(sim: PathSim) {
  const t0 = Date.now()
  const pings: number[] = []
  const wait = (simMs: number) => new Promise((r) => setTimeout(r, simMs / 25))
  const run: Runner = async (cmd, args) => {
    if (cmd === 'ip') return { stdout: sim.route ?? '[]', stderr: '', exitCode: sim.route ? 0 : 2 }
    if (cmd !== 'ping') return { stdout: '', stderr: 'not found', exitCode: 127 }
    if (args[0] === '-V') {
      return sim.ping === 'busybox'
        ? { stdout: '', stderr: 'ping: unrecognized option: V\nBusyBox v1.35.0 multi-call binary.', exitCode: 1 }
        : { stdout: 'ping from iputils 20221126\n', stderr: '', exitCode: 0 }
    }
    t.ok(args.includes('-M') && args[args.indexOf('-M') + 1] === 'do', 'DF is set')
    const family = args.includes('-6') ? 6 : 4
    const mtu = Number(args[args.indexOf('-s') + 1]) + (family === 4 ? 28 : 48)
    pings.push(mtu)
    if (sim.local !== undefined && mtu > sim.local) {
      await wait(5)
      return { stdout: '', stderr: `ping: local error: message too long, mtu=${sim.local}`, exitCode: 1 }
    }
    if (sim.answers === false || mtu > sim.pmtu || sim.lose?.(mtu)) {
      await wait(1200)
      const icmp = sim.icmp && mtu > sim.pmtu ? `From 10.0.0.1 icmp_seq=1 Frag needed and DF set (mtu = ${sim.pmtu})\n` : ''
      return { stdout: `PING x\n${icmp}\n--- statistics ---\n2 packets transmitted, 0 received`, stderr: '', exitCode: 1 }
    }
    await wait(210)
    return { stdout: '2 packets transmitted, 2 received', stderr: '', exitCode: 0 }
  }
  return { run, pings, now: () => (Date.now() - t0) * 25 }
}

t.test('black hole: frag-needed filtered, a later hop carries 1400: the probe finds exactly 1400 within the budget', async (t) => {
  const s = simulate({ pmtu: 1400 })
  const r = await probePathMtu('198.18.1.1', { run: s.run, now: s.now, upperMtu: 1500 })
  t.match(r, { host: '198.18.1.1', address: '198.18.1.1', family: 4, mtu: 1400, min: 576, max: 1500, note: null })
  t.ok(r.elapsed_ms <= 8000, `simulated time ${r.elapsed_ms} ms: the initial pair and four rounds of six`)
  t.equal(r.probes, s.pings.length)
  t.ok(r.probes <= 2 + 4 * 6, `${r.probes} pings`)
  t.same(s.pings.slice(0, 2), [576, 1500], 'the floor and the top first')
})

t.test('with frag-needed answered, the hint narrows the search at once', async (t) => {
  const s = simulate({ pmtu: 1400, icmp: true })
  const r = await probePathMtu('198.18.1.1', { run: s.run, now: s.now, upperMtu: 1500 })
  t.equal(r.mtu, 1400)
  t.same(s.pings, [576, 1500, 1400, 1401])
})

t.test('every path MTU from the floor to the top is found exactly, for both families', async (t) => {
  for (const pmtu of [576, 577, 1000, 1279, 1280, 1281, 1420, 1450, 1472, 1499]) {
    const s = simulate({ pmtu })
    t.equal((await probePathMtu('192.0.2.9', { run: s.run, now: s.now, upperMtu: 1500 })).mtu, pmtu, `IPv4 ${pmtu}`)
  }
  for (const pmtu of [1280, 1281, 1400, 1499]) {
    const s = simulate({ pmtu })
    const r = await probePathMtu('2001:db8::9', { run: s.run, now: s.now, upperMtu: 1500 })
    t.match(r, { family: 6, min: PROBE_FLOOR[6], mtu: pmtu }, `IPv6 ${pmtu}`)
  }
  const top = simulate({ pmtu: 9001 })
  const full = await probePathMtu('192.0.2.9', { run: top.run, now: top.now, upperMtu: 1500 })
  t.match(full, { mtu: 1500, probes: 2 }, 'the whole egress MTU gets through: two pings')
})

t.test('loss can only make the answer smaller, never larger than the path carries', async (t) => {
  for (let seed = 1; seed <= 15; seed++) {
    let x = seed
    const rand = () => { x = (x * 1103515245 + 12345) % 2147483648; return x / 2147483648 }
    const s = simulate({ pmtu: 1400, lose: (mtu) => mtu > 576 && rand() < 0.2 })
    const r = await probePathMtu('192.0.2.9', { run: s.run, now: s.now, upperMtu: 1500 })
    t.ok(r.mtu === null || r.mtu <= 1400, `seed ${seed}: ${r.mtu}`)
  }
})

t.test('the time budget bounds the search; the answer is then the largest size known to pass', async (t) => {
  const s = simulate({ pmtu: 1400 })
  const r = await probePathMtu('192.0.2.9', { run: s.run, now: s.now, upperMtu: 1500, budgetMs: 4000, parallel: 1 })
  t.ok(r.mtu !== null && r.mtu <= 1400 && r.mtu >= 576, `${r.mtu}`)
  t.match(r.note, /time budget of 4000 ms spent: \d+ bytes get through, \d+ do not/)
  t.ok(r.elapsed_ms <= 4000 + 1200, `stopped in time (${r.elapsed_ms} ms)`)
})

t.test('fail open: no answer at all, no DF-capable ping, no name, no route', async (t) => {
  const silent = simulate({ pmtu: 1400, answers: false })
  const r = await probePathMtu('192.0.2.9', { run: silent.run, now: silent.now, upperMtu: 1500 })
  t.match(r, { mtu: null, note: 'no answer from 192.0.2.9 even at 576 bytes with DF set: cannot tell the path MTU', probes: 2 })
  t.ok(r.elapsed_ms <= 1500, 'one parallel round')

  const bb = simulate({ pmtu: 1400, ping: 'busybox' })
  t.match(await probePathMtu('192.0.2.9', { run: bb.run, upperMtu: 1500 }), { mtu: null, note: /needs iputils ping.*busybox ping cannot set Don't Fragment/ })

  const named = simulate({ pmtu: 1400 })
  t.match(await probePathMtu('far.example', { run: named.run, now: named.now, upperMtu: 1500, resolve: async () => ({ address: '192.0.2.77', family: 4 }) }),
    { host: 'far.example', address: '192.0.2.77', mtu: 1400 })
  t.match(await probePathMtu('nowhere.invalid', { run: named.run, resolve: async () => { throw new Error('getaddrinfo ENOTFOUND nowhere.invalid') } }),
    { mtu: null, address: null, note: 'cannot resolve nowhere.invalid: getaddrinfo ENOTFOUND nowhere.invalid' })

  const noRoute = simulate({ pmtu: 1400 })
  t.match(await probePathMtu('192.0.2.9', { run: noRoute.run }), { mtu: null, note: /^no route to 192.0.2.9/ })
})

t.test('the upper bound is the MTU of the route to the host: its device, lowered by a route mtu', async (t) => {
  const dir = t.testdir({ eth0: { mtu: '1500\n' } })
  const s = simulate({ pmtu: 1450, route: '[{"dst":"192.0.2.9","gateway":"10.0.0.1","dev":"eth0","metrics":[{"mtu":1420}]}]' })
  const r = await probePathMtu('192.0.2.9', { run: s.run, now: s.now, sysClassNet: dir })
  t.match(r, { max: 1420, mtu: 1420 })
  const local = simulate({ pmtu: 1450, local: 1400, route: '[{"dst":"192.0.2.9","dev":"eth0"}]' })
  t.match(await probePathMtu('192.0.2.9', { run: local.run, now: local.now, sysClassNet: dir }), { max: 1500, mtu: 1400 }, 'a local "message too long" bounds it too')
})

t.test('readMachineState: --autonet-probe puts pmtu_probe in the snapshot; a failed probe is a read error, not a failure', async (t) => {
  const dir = t.testdir({ sys: sysfsSpec(sysfsDump(), t.fixture) })
  const base = { argv: [], env: {}, sysClassNet: join(dir, 'sys'), run: replayRunner(recordedCommands()), withVersion: false }
  const found = { host: 'h', address: '192.0.2.9', family: 4 as const, mtu: 1400, min: 576, max: 1500, probes: 9, elapsed_ms: 4000, note: null }
  const ok = await readMachineState({ ...base, probeHost: 'h', probe: async () => found })
  t.same(ok.pmtu_probe, found)
  t.same(ok.read_errors, [])
  const none = await readMachineState({ ...base, probeHost: 'h', probe: async () => ({ ...found, mtu: null, note: 'no answer from h even at 576 bytes with DF set: cannot tell the path MTU' }) })
  t.same(none.read_errors, ['pmtu_probe: no answer from h even at 576 bytes with DF set: cannot tell the path MTU; keeping the egress MTU'])
  const broken = await readMachineState({ ...base, probeHost: 'h', probe: async () => { throw new Error('boom') } })
  t.same(broken.read_errors, ['pmtu_probe: unexpected error while reading: boom'])
  t.notOk('pmtu_probe' in broken)
  const off = await readMachineState(base)
  t.notOk('pmtu_probe' in off, 'no probe unless asked')
})
