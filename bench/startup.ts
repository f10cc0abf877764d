/**
 * Parts 1 and 2 of `npm run bench`: time from invoking a launcher to the exec'd program running,
 * and the memory the launcher leaves resident while dockerd runs.
 */
import { execFileSync, spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { anyEngine } from '../test/e2e/lib/engines.js'
import { progress, ROOT } from './report.js'
import { f1, f2, stats, table } from './stats.js'

/** The real dockerd whose `--version` answer the stub hands on (the first fetched engine). */
const DOCKERD = anyEngine().dockerd

const STARTUP_ROUNDS = Number(process.env.BENCH_STARTUP_ROUNDS ?? 30)
const RSS_RUNS = Number(process.env.BENCH_RSS_RUNS ?? 5)
/** Nothing of ours may change the machine: the bench runs the wrapper for its start-up only. */
const HANDS_OFF = { DOCKERD_AUTONET_NO_CLAMP_MSS: '1', DOCKERD_AUTONET_NO_CONNTRACK: '1', DOCKERD_AUTONET_NO_BRIDGE_MAC: '1' }

// ---------------------------------------------------------------------------------------------
// 1 + 2. Start-up and resident memory
// ---------------------------------------------------------------------------------------------

/**
 * The stand-in for dockerd. It answers `--version` with the real dockerd's answer (the wrapper
 * asks it, and that cost is part of the wrapper's start-up in production), otherwise writes one
 * line on stdout the moment it runs, then exits or, for the RSS reading, sleeps.
 */
export const STUB = `#!/bin/sh
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
  // Before and after side by side in one run: BENCH_BASELINE_BUNDLE=FILE adds another build's
  // bundle (e.g. the merge base's), run the image's way.
  const baseline = process.env.BENCH_BASELINE_BUNDLE
  if (baseline) {
    if (!fs.existsSync(baseline)) throw new Error(`BENCH_BASELINE_BUNDLE=${baseline}: no such file`)
    list.push({ name: `baseline bundle ${path.basename(path.dirname(path.dirname(baseline)))}, version given`, argv: (stub) => [process.execPath, baseline, `--autonet-exec=${stub}`, '--autonet-dockerd-version=20.10.24', ...flags], node: true })
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

export async function startupAndMemory(netns: string, stub: string): Promise<string> {
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
  // Issue 12's yardstick: a launcher written for Node costs at least Node's start and one spawn.
  const nodeFloor = stats(times.get(ls.find((l) => l.name.startsWith('minimal Node launcher'))!.name)!)
  const rows = ls.map((l) => {
    const s = stats(times.get(l.name)!)
    return [l.name, f1(s.min), f1(s.median), f1(s.max), f1(s.median - direct.median), `${f2(s.median / direct.median)}×`,
      l.node ? `${f2(s.median / nodeFloor.median)}×` : '']
  })

  // What the wrapper's own `dockerd --version` probe costs, for reading the figures above.
  const probe: number[] = []
  // Without an engine installed the stub answers --version itself (and this stays empty).
  for (let i = 0; i < 10 && fs.existsSync(DOCKERD); i++) {
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
    probe.length ? `(alone: median ${f1(stats(probe).median)} ms, min ${f1(stats(probe).min)}); the wrapper runs that probe concurrently with its other reads.`
      : `(not installed in this run: the stub answers it with a fixed line instead); the wrapper runs that probe concurrently with its other reads.`,
    `${STARTUP_ROUNDS} interleaved rounds after 3 warm-up rounds; milliseconds.`,
    '',
    table(['launcher', 'min', 'median', 'max', 'added (median)', 'ratio (median)', 'to the Node launcher (median)'], rows),
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
