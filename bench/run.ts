/**
 * `npm run bench`: what dockerd-autonet costs and what it buys, side by side in one run.
 *
 *  1. start-up: time from invoking a launcher to the exec'd program running;
 *  2. memory the launcher leaves resident while dockerd runs;
 *  3. decision quality on every shared case (../shared/cases), against the naive strategies;
 *  4. download time in the PMTU black hole (test/e2e/lib/topologies.ts), against the
 *     hand-configured `dockerd --mtu=1450` that is the ceiling;
 *  5, 6. per engine (bench/engines.ts): time to a ready daemon, and the downloads of 4.
 *
 * Prints a Markdown report on stdout (progress on stderr); `npm run bench -- --write` also
 * writes it to BENCHMARKS.md. Needs root (namespaces, a real dockerd), like the e2e tests; it
 * touches nothing outside the namespaces it creates and removes them on any exit.
 *
 * Built by esbuild into node_modules/.cache (see the npm script): Node 20 cannot run .ts, and
 * the topology code is the e2e harness's own, shared rather than copied.
 */
import { execFileSync, spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import type { MachineState, Plan } from '../src/model.js'
import { BUSYBOX_IMAGE, ensureBusyboxImage } from '../test/e2e/lib/busybox-image.js'
import { startDockerd, type Dockerd } from '../test/e2e/lib/dockerd.js'
import { anyEngine } from '../test/e2e/lib/engines.js'
import { engineParts } from './engines.js'
import { f1, f2, ratios, stats, table } from './stats.js'
import { findLeftovers } from '../test/e2e/lib/leftovers.js'
import { buildBlackHole, downloadInContainer, type BlackHole, type Download } from '../test/e2e/lib/topologies.js'

// npm runs scripts from the package root; the bundle lives elsewhere, so import.meta.url is no guide.
const ROOT = process.cwd()
const STARTUP_ROUNDS = Number(process.env.BENCH_STARTUP_ROUNDS ?? 30)
const RSS_RUNS = Number(process.env.BENCH_RSS_RUNS ?? 5)
const DOWNLOAD_ROUNDS = Number(process.env.BENCH_DOWNLOAD_ROUNDS ?? 20)
const DOWNLOAD_BYTES = Number(process.env.BENCH_DOWNLOAD_MIB ?? 512) * 1024 * 1024
/** Which parts to run, e.g. BENCH_PARTS=3,4; default all. */
const PARTS = new Set((process.env.BENCH_PARTS ?? '1,2,3,4,5,6').split(',').map((x) => x.trim()))
/** Nothing of ours may change the machine: the bench runs the wrapper for its start-up only. */
const HANDS_OFF = { DOCKERD_AUTONET_NO_CLAMP_MSS: '1', DOCKERD_AUTONET_NO_CONNTRACK: '1', DOCKERD_AUTONET_NO_BRIDGE_MAC: '1' }

/** The engine of parts 1-4 (the first of AUTONET_E2E_ENGINES, fetched by scripts/fetch-engines.sh). */
const ENGINE = anyEngine()
const DOCKERD = ENGINE.dockerd

const progress = (s: string) => process.stderr.write(`bench: ${s}\n`)

function sh(cmd: string, args: string[]): string {
  try { return execFileSync(cmd, args, { encoding: 'utf8', timeout: 10_000 }).trim() } catch { return '(unavailable)' }
}

// ---------------------------------------------------------------------------------------------
// 1 + 2. Start-up and resident memory
// ---------------------------------------------------------------------------------------------

/**
 * The stand-in for dockerd. It answers `--version` with the real dockerd's answer (the wrapper
 * asks it, and that cost is part of the wrapper's start-up in production), otherwise writes one
 * line on stdout the moment it runs, then exits or, for the RSS reading, sleeps.
 */
const STUB = `#!/bin/sh
if [ "$1" = --version ]; then
  [ -x ${DOCKERD} ] && exec ${DOCKERD} --version
  echo "Docker version 20.10.24, build stub"; exit 0
fi
echo started
[ -n "$STUB_SLEEP" ] && exec sleep "$STUB_SLEEP"
exit 0
`

/** The entrypoint hack: smallest MTU of every interface, then exec dockerd with it. */
const MIN_MTU_LOOP = 'm=65536; for f in /sys/class/net/*/mtu; do read v < "$f"; [ "$v" -lt "$m" ] && m=$v; done; exec "$0" --mtu="$m" "$@"'

const NODE_FLOOR = "require('node:child_process').spawn(process.argv[1], process.argv.slice(2), { stdio: 'inherit' }).on('exit', (c) => process.exit(c ?? 1))"

interface Launcher { name: string; argv: (stub: string) => string[]; node: boolean }

function launchers(): Launcher[] {
  const flags = ['--debug']
  const list: Launcher[] = [
    { name: 'direct exec of the stub', argv: (stub) => [stub, ...flags], node: false },
    { name: 'shell min-MTU loop, then exec', argv: (stub) => ['sh', '-c', MIN_MTU_LOOP, stub, ...flags], node: false },
    // The floor of any launcher written for Node on the spawn path: Node's own start, one spawn.
    { name: 'minimal Node launcher (`node -e` spawn, for reference)', argv: (stub) => [process.execPath, '-e', NODE_FLOOR, stub, ...flags], node: true },
    { name: 'dockerd-autonet (tsc dist/, bin/dockerd-autonet.js)', argv: (stub) => [process.execPath, path.join(ROOT, 'bin/dockerd-autonet.js'), `--autonet-exec=${stub}`, ...flags], node: true },
  ]
  const bundle = path.join(ROOT, 'dist/dockerd-autonet.mjs')
  if (fs.existsSync(bundle)) {
    list.push({ name: 'dockerd-autonet (esbuild bundle, dist/dockerd-autonet.mjs)', argv: (stub) => [process.execPath, bundle, `--autonet-exec=${stub}`, ...flags], node: true })
    // As the image runs it: the engine version is known in advance, no `dockerd --version` probe.
    list.push({ name: 'dockerd-autonet bundle, version given (as in the image)', argv: (stub) => [process.execPath, bundle, `--autonet-exec=${stub}`, '--autonet-dockerd-version=20.10.24', ...flags], node: true })
  }
  return list
}

interface Launch { startMs: number; pid: number; exited: Promise<number | null>; stderr: () => string }

/**
 * Spawns `argv` inside `netns` (through `ip netns exec`, which execs it: the pid is the
 * launcher's own) and resolves when the stub's first line arrives on stdout.
 */
function launch(netns: string, argv: string[], env: Record<string, string>): Promise<Launch> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint()
    const child = spawn('ip', ['netns', 'exec', netns, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], env, detached: true })
    let err = ''
    child.stderr.on('data', (b: Buffer) => { err += b.toString() })
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
    const timer = setTimeout(() => {
      try { process.kill(-child.pid!, 'SIGKILL') } catch { /* gone */ }
      reject(new Error(`${argv.join(' ')}: no start within 10 s\n${err}`))
    }, 10_000)
    child.stdout.once('data', () => {
      const startMs = Number(process.hrtime.bigint() - t0) / 1e6
      clearTimeout(timer)
      child.stdout.resume()
      resolve({ startMs, pid: child.pid!, exited, stderr: () => err })
    })
    child.once('error', (e) => { clearTimeout(timer); reject(e) })
  })
}

function benchEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('npm_') && k !== 'NODE_OPTIONS') env[k] = v
  return { ...env, ...HANDS_OFF, ...extra }
}

async function startupAndMemory(netns: string, stub: string): Promise<string> {
  const ls = launchers()
  const times = new Map<string, number[]>(ls.map((l) => [l.name, []]))
  const env = benchEnv()
  progress(`start-up: ${ls.length} launchers × (3 warm-up + ${STARTUP_ROUNDS}) rounds, interleaved`)
  for (let round = -3; round < STARTUP_ROUNDS; round++) {
    // Rotating the order spreads whatever the machine does in the background over all of them.
    const order = ls.map((_, i) => ls[(i + Math.max(round, 0)) % ls.length])
    for (const l of order) {
      const r = await launch(netns, l.argv(stub), env)
      const code = await r.exited
      if (code !== 0) throw new Error(`${l.name} exited ${code}: ${r.stderr()}`)
      if (round >= 0) times.get(l.name)!.push(r.startMs)
    }
  }
  const direct = stats(times.get(ls[0].name)!)
  const rows = ls.map((l) => {
    const s = stats(times.get(l.name)!)
    return [l.name, f1(s.min), f1(s.median), f1(s.max), f1(s.median - direct.median), `${f2(s.median / direct.median)}×`]
  })

  // What the wrapper's own `dockerd --version` probe costs, for reading the figures above.
  const probe: number[] = []
  for (let i = 0; i < 10; i++) {
    const t0 = process.hrtime.bigint()
    execFileSync(DOCKERD, ['--version'], { stdio: 'ignore', timeout: 10_000 })
    probe.push(Number(process.hrtime.bigint() - t0) / 1e6)
  }

  progress(`resident memory: ${RSS_RUNS} runs per Node launcher`)
  const rss = new Map<string, number[]>()
  for (const l of ls.filter((x) => x.node)) {
    rss.set(l.name, [])
    for (let i = 0; i < RSS_RUNS; i++) {
      const r = await launch(netns, l.argv(stub), benchEnv({ STUB_SLEEP: '30' }))
      // Let start-up garbage settle as it would while dockerd runs for hours.
      await new Promise((res) => setTimeout(res, 500))
      const comm = fs.readFileSync(`/proc/${r.pid}/comm`, 'utf8').trim()
      const status = fs.readFileSync(`/proc/${r.pid}/status`, 'utf8')
      const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1])
      if (comm !== 'node' || !Number.isFinite(kb)) throw new Error(`pid ${r.pid} is ${comm}, not the wrapper`)
      rss.get(l.name)!.push(kb / 1024)
      // The wrapper forwards SIGTERM to the stub; the reference launcher does not, so whatever
      // of the group is left goes with SIGKILL.
      process.kill(r.pid, 'SIGTERM')
      await Promise.race([r.exited, new Promise((res) => setTimeout(res, 5_000))])
      try { process.kill(-r.pid, 'SIGKILL') } catch { /* all gone */ }
    }
  }
  const hasExecve = typeof (process as unknown as { execve?: unknown }).execve === 'function'
  const rssRows: string[][] = [
    ['direct exec of the stub', '0 (nothing runs besides dockerd)'],
    ['shell min-MTU loop, then exec', '0 (the shell is replaced by dockerd)'],
    ...[...rss].map(([name, xs]) => {
      const s = stats(xs)
      return [`${name}, dockerd as its child (Node ${process.version})`, `${f1(s.median)} MiB median (min ${f1(s.min)}, max ${f1(s.max)}, n=${s.n})`]
    }),
    ['dockerd-autonet with `process.execve` (Node ≥ 22.15)', hasExecve
      ? '0 expected (this Node has process.execve; not measured here)'
      : `0 by construction (the process becomes dockerd); not measurable here: Node ${process.version} has no process.execve`],
  ]

  return [
    '## 1. Start-up cost',
    '',
    'Time from spawning the launcher to the exec\'d program running. The "dockerd" is a /bin/sh stub',
    'that prints one line the moment it starts; the bench timestamps the spawn with',
    '`process.hrtime` and stops the clock when that line arrives on the pipe, so every row pays the',
    'same stub start and pipe latency, and the difference to the direct exec is the launcher\'s own',
    'cost. Every launcher runs in the same network namespace (a flannel-like pod: eth0 1450, the',
    'black-hole topology of part 4) through `ip netns exec`, whose cost is in every row alike. The',
    `wrapper runs its whole normal path (read links, routes, rules, daemon.json, \`dockerd --version\`;`,
    'plan; spawn), with clamp, conntrack and MAC pinning switched off so it changes nothing.',
    `The stub answers the wrapper's \`--version\` probe by running the real ${DOCKERD} --version`,
    `(alone: median ${f1(stats(probe).median)} ms, min ${f1(stats(probe).min)}); the wrapper runs that probe concurrently with its other reads.`,
    `${STARTUP_ROUNDS} interleaved rounds after 3 warm-up rounds; milliseconds.`,
    '',
    table(['launcher', 'min', 'median', 'max', 'added (median)', 'ratio (median)'], rows),
    '',
    '## 2. Memory left resident once dockerd runs',
    '',
    'VmRSS of the launcher\'s process (from /proc/PID/status) 0.5 s after the stub started and',
    'while it sleeps.',
    '',
    table(['launcher', 'resident besides dockerd'], rssRows),
    '',
  ].join('\n')
}

// ---------------------------------------------------------------------------------------------
// 3. Decision quality on the shared cases
// ---------------------------------------------------------------------------------------------

/** The user's explicit MTU: last --mtu in argv, else daemon.json "mtu"; null when none. */
function explicitMtu(state: MachineState): number | null {
  let v: number | null = null
  const argv = state.argv ?? []
  for (let i = 0; i < argv.length; i++) {
    const m = /^--mtu(?:=(.*))?$/.exec(argv[i])
    if (m) v = Number(m[1] ?? argv[++i])
  }
  if (v !== null) return v
  const j = state.daemon_json?.mtu
  return typeof j === 'number' ? j : typeof j === 'string' ? Number(j) : null
}

async function decisionQuality(): Promise<string> {
  const dir = path.resolve(ROOT, '../shared/cases')
  if (!fs.existsSync(dir)) throw new Error(`shared cases not found at ${dir}`)
  const planner = await import(pathToFileURL(path.join(ROOT, 'dist/plan/plan.js')).href) as { planFromState(s: MachineState): Plan }
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort()
  const rows: string[][] = []
  const score = { autonet: 0, minAll: 0, plain: 0, n: 0 }
  const show = (x: number | null) => (x === null ? '—' : String(x))
  for (const file of files) {
    const c = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as { fixture: MachineState; expected: Record<string, unknown> }
    if (!('mtu' in c.expected)) continue
    const want = c.expected.mtu as number | null
    const autonet = planner.planFromState(c.fixture).mtu
    const mtus = (c.fixture.links ?? []).filter((l) => l.up && l.type !== 'loopback' && l.name !== 'lo').map((l) => l.mtu)
    const minAll = mtus.length ? Math.min(...mtus) : null
    // Plain dockerd: the user's explicit value, else its built-in default (no MTU chosen).
    const plain = explicitMtu(c.fixture)
    score.n++
    if (autonet === want) score.autonet++
    if (minAll === want) score.minAll++
    if (plain === want) score.plain++
    const mark = (x: number | null) => `${show(x)}${x === want ? '' : ' ✗'}`
    rows.push([file.replace(/\.json$/, ''), show(want), mark(autonet), mark(minAll), mark(plain)])
  }
  const pct = (k: number) => `${k}/${score.n} (${Math.round((100 * k) / score.n)} %)`
  return [
    '## 3. Decision quality on the shared cases',
    '',
    `Every case in ../shared/cases with an expected \`mtu\` (${score.n} of ${files.length}), read at run time.`,
    '"—" is no MTU chosen (dockerd\'s default 1500 stands), which is what `"mtu": null` expects.',
    'dockerd-autonet: `planFromState` from the built dist/plan/plan.js with default options.',
    'min of all links: smallest MTU of the up, non-loopback links (the entrypoint hack).',
    'plain dockerd: the user\'s explicit --mtu or daemon.json "mtu", else its default.',
    '',
    table(['strategy', 'MTU as expected'], [
      ['dockerd-autonet', pct(score.autonet)],
      ['min MTU of all up non-loopback links', pct(score.minAll)],
      ['plain dockerd (default 1500)', pct(score.plain)],
    ]),
    '',
    '<details><summary>Per case (✗ = not the expected MTU)</summary>',
    '',
    table(['case', 'expected', 'dockerd-autonet', 'min of all links', 'plain dockerd'], rows),
    '',
    '</details>',
    '',
  ].join('\n')
}

// ---------------------------------------------------------------------------------------------
// 4. Downloads in the black hole
// ---------------------------------------------------------------------------------------------

function downloadFailed(s: Side, dl: Download): Error {
  return new Error(`${s.name}: download failed (docker run exit ${dl.runExit}, ${Math.round(dl.wallMs)} ms):\n${dl.output}\n--- daemon log (tail) ---\n${s.d.log().slice(-4000)}`)
}

function verdict(times: number[], ceiling: number[]): string {
  const r = ratios(times, ceiling)
  const within = (x: number) => (x <= 1.05 ? 'within' : 'NOT within')
  return `paired ${f2(r.paired)}× (${within(r.paired)} 5 %), of mins ${f2(r.mins)}× (${within(r.mins)} 5 %)`
}

/** What the bench created, for the final check that none of it is left. */
class Made {
  readonly query = { netns: [] as string[], tmpDirs: [] as string[] }
  add(h: BlackHole): void {
    this.query.netns.push(h.topo.prefix)
    this.query.tmpDirs.push(h.wwwDir)
  }
}

interface Side { name: string; d: Dockerd; hole: BlackHole; network?: string; times: number[] }

async function downloads(wrapper: string[], made: Made): Promise<string> {
  const holes: BlackHole[] = []
  try {
    progress(`downloads: two black-hole pods, ${DOWNLOAD_BYTES / 1048576} MiB file`)
    const hA = await buildBlackHole({ fileBytes: DOWNLOAD_BYTES })
    holes.push(hA)
    const hP = await buildBlackHole({ fileBytes: DOWNLOAD_BYTES })
    holes.push(hP)
    for (const h of [hA, hP]) made.add(h)
    const dA = await startDockerd({ engine: ENGINE, netns: hA.topo.ns('pod'), topology: hA.topo, command: wrapper })
    const dP = await startDockerd({ engine: ENGINE, netns: hP.topo.ns('pod'), topology: hP.topo, extraArgs: [`--mtu=${hP.podMtu}`] })
    made.query.tmpDirs.push(dA.tmpDir, dP.tmpDir)
    for (const d of [dA, dP]) await ensureBusyboxImage(d)
    for (const [d, args] of [[dA, ['net1']], [dP, ['-o', `com.docker.network.driver.mtu=${hP.podMtu}`, 'net2']]] as const) {
      const net = await d.docker(['network', 'create', ...args])
      if (net.exitCode !== 0) throw new Error(`docker network create ${args.join(' ')}: ${net.stderr}`)
    }
    const sides: Side[] = [
      { name: `hand-configured \`dockerd --mtu=${hP.podMtu}\`, default bridge (the ceiling)`, d: dP, hole: hP, times: [] },
      { name: 'dockerd-autonet, default bridge (--mtu planned)', d: dA, hole: hA, times: [] },
      // What a user-defined network costs by itself, set up by hand the one way 20.10 allows.
      { name: `hand-configured, user-defined network with \`-o com.docker.network.driver.mtu=${hP.podMtu}\``, d: dP, hole: hP, network: 'net2', times: [] },
      { name: 'dockerd-autonet, user-defined network (MTU 1500, MSS clamp)', d: dA, hole: hA, network: 'net1', times: [] },
    ]
    // One checked download per side first: the timings below only count correct transfers.
    for (const s of sides) {
      const dl = await downloadInContainer(s.d, s.hole, { image: BUSYBOX_IMAGE, timeoutS: 120, network: s.network })
      if (dl.exitCode !== 0 || dl.sha256 !== s.hole.sha256) throw downloadFailed(s, dl)
    }
    for (let round = 0; round < DOWNLOAD_ROUNDS; round++) {
      progress(`downloads: round ${round + 1}/${DOWNLOAD_ROUNDS}`)
      for (const s of sides.map((_, i) => sides[(i + round) % sides.length])) {
        const dl: Download = await downloadInContainer(s.d, s.hole, { image: BUSYBOX_IMAGE, timeoutS: 120, network: s.network, sink: 'null' })
        if (dl.exitCode !== 0 || dl.downloadMs === null) throw downloadFailed(s, dl)
        s.times.push(dl.downloadMs)
      }
    }
    const dropped = (await hA.icmpDropped()) + (await hP.icmpDropped())
    const ceiling = sides[0].times
    const rows = sides.map((s) => {
      const st = stats(s.times)
      const mibs = DOWNLOAD_BYTES / 1048576 / (st.median / 1000)
      const r = ratios(s.times, ceiling)
      return [s.name, f1(st.min), f1(st.median), f1(st.max), f1(mibs), `${f2(r.paired)}×`, `${f2(r.mins)}×`]
    })
    return [
      '## 4. Download time in the PMTU black hole',
      '',
      'Topology of test/e2e/pmtu-blackhole.test.ts (test/e2e/lib/topologies.ts): pod eth0 1450 (flannel',
      'VXLAN) → router that drops ICMP "fragmentation needed" → wan (1500) serving a random file with',
      `busybox httpd. ${DOWNLOAD_BYTES / 1048576} MiB per download, written to /dev/null by busybox wget in a fresh`,
      'container; timed inside the container (adjtimex, µs). Each pod has its own router and server; one',
      `checked download (SHA-256) per side first, then ${DOWNLOAD_ROUNDS} rounds, each downloading once per row in rotating order.`,
      'Plain dockerd without --mtu stalls here (see the e2e test), so it has no row. Milliseconds.',
      'The transfer is CPU-bound (forwarding, NAT and iptables on',
      `${os.cpus().length} CPUs), so other work on the machine shows directly in the spread. Two ratios to the ceiling resist`,
      'it: "paired" is the median over rounds of (this row / ceiling in the same round), "of mins" compares',
      'the least disturbed download of each row.',
      `ICMP "fragmentation needed" dropped by the routers during the whole part: ${dropped} (0 = no`,
      'download relied on path MTU discovery).',
      '',
      table(['daemon, network', 'min', 'median', 'max', 'MiB/s (median)', 'ratio, paired', 'ratio of mins'], rows),
      '',
      `Target: dockerd-autonet within 5 % of the ceiling. Default bridge: ${verdict(sides[1].times, ceiling)};`,
      `user-defined network: ${verdict(sides[3].times, ceiling)}. The two default-bridge rows run the same`,
      'configuration (--mtu=1450) in two pods, so their difference is the noise of the measurement.',
      '',
    ].join('\n')
  } finally {
    for (const h of holes.reverse()) await h.topo.destroy()
  }
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the benchmark needs root (network namespaces, a real dockerd)')
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string }
  if (pkg.name !== 'dockerd-autonet') throw new Error(`run from the repository root (npm run bench), not ${ROOT}`)
  for (const f of ['dist/plan/plan.js', 'dist/cli/main.js']) {
    if (!fs.existsSync(path.join(ROOT, f))) throw new Error(`${f} missing: npm run build first`)
  }
  const wrapper = [process.execPath, path.join(ROOT, 'bin/dockerd-autonet.js')]
  const date = new Date()
  const cpus = os.cpus()
  const machine = [
    `- date: ${sh('date', [])} (${date.toISOString()})`,
    `- CPU: ${cpus.length} × ${cpus[0]?.model ?? 'unknown'} (nproc ${sh('nproc', [])})`,
    `- memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    // Other work on the machine widens the spreads below; say how busy it was.
    `- load average at start: ${os.loadavg().map((x) => x.toFixed(2)).join(', ')}`,
    `- kernel: ${os.release()} (${os.arch()})`,
    `- node: ${process.version}`,
    `- dockerd: ${sh(DOCKERD, ['--version'])}`,
    `- dockerd-autonet: ${pkg.version}, git ${sh('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'])}${sh('git', ['-C', ROOT, 'status', '--porcelain']) ? ' + uncommitted changes' : ''}`,
    `- command: \`npm run bench${process.argv.includes('--write') ? ' -- --write' : ''}\`${Object.keys(process.env).filter((k) => k.startsWith('BENCH_')).map((k) => ` with ${k}=${process.env[k]}`).join('')}`,
  ]

  const stubDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dan-bench-'))
  const stub = path.join(stubDir, 'dockerd-stub')
  fs.writeFileSync(stub, STUB, { mode: 0o755 })
  const sections: string[] = []
  const made = new Made()
  try {
    if (PARTS.has('1') || PARTS.has('2')) {
      const pod = await buildBlackHole({})
      made.add(pod)
      try {
        sections.push(await startupAndMemory(pod.topo.ns('pod'), stub))
      } finally {
        await pod.topo.destroy()
      }
    }
    if (PARTS.has('3')) sections.push(await decisionQuality())
    if (PARTS.has('4')) sections.push(await downloads(wrapper, made))
    // 5 (time to a ready daemon) and 6 (downloads), once per engine: bench/engines.ts.
    sections.push(...await engineParts(PARTS, wrapper, made))
  } finally {
    fs.rmSync(stubDir, { recursive: true, force: true })
  }
  const left = await findLeftovers(made.query)
  if (left.length) throw new Error(`not cleaned up: ${left.join(', ')}`)

  const report = [
    '# Benchmarks',
    '',
    'Produced by `npm run bench` (bench/run.ts); numbers from one run on this machine:',
    '',
    ...machine,
    '',
    ...sections,
  ].join('\n')
  process.stdout.write(report)
  if (process.argv.includes('--write')) {
    fs.writeFileSync(path.join(ROOT, 'BENCHMARKS.md'), report)
    progress('wrote BENCHMARKS.md')
  }
}

main().then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
  process.exit(1)
})
