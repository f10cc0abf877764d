/**
 * Part 7 of `npm run bench`: what reading and planning cost on a big machine. `plan` runs on
 * N links, N routes and N policy rules, next to `node -e 0`, with wall time and peak RSS
 * (GNU time's %e and %M).
 *
 * Live rows: a network namespace the bench creates (`ip -batch`: N/2 veth pairs, N host
 * routes, N rules each looking up a table of its own) and removes on any exit; `plan` runs in it
 * through `ip netns exec`, reading the machine as it would at dockerd's start. Each live row also
 * checks that the netlink reader and the sysfs fallback give identical Links there.
 * Snapshot rows: `plan --state FILE` on a generated snapshot of the same shape, for sizes a live
 * namespace makes impractical (100,000 veths take minutes to create).
 */
import { execFileSync, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { progress, ROOT } from './report.js'
import { f1, f2, stats, table } from './stats.js'

const ROUNDS = Number(process.env.BENCH_SCALE_ROUNDS ?? 3)
const TIME = '/usr/bin/time'

interface Measured { seconds: number, mib: number }

/** Runs argv ROUNDS times under GNU time; the medians of wall time and peak RSS. */
function measure(argv: string[]): Measured {
  const secs: number[] = []
  const mibs: number[] = []
  for (let i = 0; i < ROUNDS; i++) {
    const r = spawnSync(TIME, ['-f', 'BENCH_TIME %e %M', ...argv], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000 })
    const m = /BENCH_TIME ([\d.]+) (\d+)/.exec(r.stderr ?? '')
    // plan exits 1 when its plan has an error: none of these machines should give one.
    if (r.status !== 0 || !m) throw new Error(`${argv.join(' ')}: exit ${r.status}\n${r.stderr}`)
    secs.push(Number(m[1]))
    mibs.push(Number(m[2]) / 1024)
  }
  return { seconds: stats(secs).median, mib: stats(mibs).median }
}

/** The `ip -batch` lines of a namespace with `links` links, `routes` routes and `rules` rules. */
function batch(links: number, routes: number, rules: number): string {
  const lines: string[] = ['link set lo up']
  for (let i = 0; i < links / 2; i++) lines.push(`link add v${i}a type veth peer name v${i}b`)
  lines.push('link add eth0 type veth peer name eth0p', 'link set eth0 mtu 1450 up', 'link set eth0p up', 'addr add 10.255.0.2/16 dev eth0', 'route add default via 10.255.0.1 dev eth0')
  for (let i = 0; i < routes; i++) lines.push(`route add ${hostAddr(i)}/32 via 10.255.0.1 dev eth0 table ${1000 + (i % Math.max(rules, 1))}`)
  for (let i = 0; i < rules; i++) lines.push(`rule add priority ${1000 + i} from 10.${100 + (i >> 16)}.${(i >> 8) & 255}.${i & 255} table ${1000 + i}`)
  return lines.join('\n') + '\n'
}

function hostAddr(i: number): string {
  return `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`
}

/** A snapshot of the same shape as batch(): what `plan --state` replays. */
function snapshot(links: number, routes: number, rules: number): object {
  const ls: object[] = [{ name: 'lo', mtu: 65536, mac: '00:00:00:00:00:00', type: 'loopback', up: true, master: null, carrier: true, addrs: ['127.0.0.1/8'] }]
  for (let i = 0; i < links / 2; i++) {
    for (const side of ['a', 'b']) ls.push({ name: `v${i}${side}`, mtu: 1500, mac: `02:00:${((i >> 16) & 255).toString(16).padStart(2, '0')}:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}:0${side === 'a' ? 1 : 2}`, type: 'veth', up: false, master: null, addrs: [] })
  }
  ls.push({ name: 'eth0', mtu: 1450, mac: '02:ff:00:00:00:02', type: 'veth', up: true, master: null, carrier: true, addrs: ['10.255.0.2/16'] })
  const routes4: object[] = [{ dst: 'default', dev: 'eth0', gw: '10.255.0.1', metric: 0, mtu: null, table: 'main' }]
  for (let i = 0; i < routes; i++) routes4.push({ dst: `${hostAddr(i)}/32`, dev: 'eth0', gw: '10.255.0.1', metric: 0, mtu: null, table: String(1000 + (i % Math.max(rules, 1))) })
  const rules4: object[] = [{ priority: 0, src: 'all', table: 'local' }]
  for (let i = 0; i < rules; i++) rules4.push({ priority: 1000 + i, src: `10.${100 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`, table: String(1000 + i) })
  rules4.push({ priority: 32766, src: 'all', table: 'main' }, { priority: 32767, src: 'all', table: 'default' })
  return { links: ls, routes4, routes6: [], rules4, daemon_json: null, argv: [], dockerd_version: '20.10.24' }
}

const LINK_COMPARE = `
const { readLinks } = await import(${JSON.stringify(path.join(ROOT, 'dist/read/links.js'))})
const { readSysfsLinks } = await import(${JSON.stringify(path.join(ROOT, 'dist/read/sysfs-links.js'))})
const a = await readLinks(), b = await readSysfsLinks()
const strip = JSON.stringify(a.links.map(({ addrs, ...l }) => l))
process.stdout.write(JSON.stringify({ n: a.links.length, same: strip === JSON.stringify(b.links), errors: [...a.errors, ...b.errors].length }))
`

/** Part 7: the scale table. `node` is the launcher of every row (process.execPath). */
export async function scale(): Promise<string> {
  if (!fs.existsSync(TIME)) throw new Error(`${TIME} (GNU time) is needed for peak RSS: apt-get install time`)
  const node = process.execPath
  const wrapper = path.join(ROOT, 'bin/dockerd-autonet.js')
  const bundle = path.join(ROOT, 'dist/dockerd-autonet.mjs')
  const env = ['--autonet-dockerd-version=20.10.24']
  const rows: string[][] = []
  const floor = measure([node, '-e', '0'])
  rows.push(['`node -e 0`', '—', '—', '—', '—', f2(floor.seconds), f1(floor.mib), '1.00× / 1.00×'])
  const row = (what: string, src: string, n: [number, number, number], m: Measured) =>
    rows.push([what, String(n[0]), String(n[1]), String(n[2]), src, f2(m.seconds), f1(m.mib), `${f1(m.seconds / floor.seconds)}× / ${f1(m.mib / floor.mib)}×`])

  const live: [number, number, number][] = [[1_000, 1_000, 1_000], [10_000, 0, 0], [10_000, 10_000, 10_000]]
  for (const n of live) {
    const ns = `dan-bench-scale-${process.pid}`
    const file = path.join(os.tmpdir(), `${ns}.batch`)
    progress(`scale: live namespace with ${n[0]} links, ${n[1]} routes, ${n[2]} rules`)
    try {
      execFileSync('ip', ['netns', 'add', ns])
      fs.writeFileSync(file, batch(...n))
      execFileSync('ip', ['-n', ns, '-batch', file], { timeout: 600_000 })
      const cmp = JSON.parse(execFileSync('ip', ['netns', 'exec', ns, node, '--input-type=module', '-e', LINK_COMPARE], { encoding: 'utf8', timeout: 120_000 }))
      if (!cmp.same || cmp.errors !== 0) throw new Error(`the netlink and sysfs readers differ on ${cmp.n} links (${cmp.errors} errors)`)
      row('`plan` (live netns)', `netns, readers agree on ${cmp.n} links`, n, measure(['ip', 'netns', 'exec', ns, node, wrapper, 'plan', ...env]))
      // The bundle, as the image runs it: the row to hold a baseline bundle against.
      if (n[1] === 0 && fs.existsSync(bundle)) row('`plan`, this build\'s bundle', 'the same netns', n, measure(['ip', 'netns', 'exec', ns, node, bundle, 'plan', ...env]))
      // Before and after in one run: BENCH_BASELINE_BUNDLE=FILE (another build's bundle) on the same namespace.
      const baseline = process.env.BENCH_BASELINE_BUNDLE
      if (baseline && n[1] === 0) row(`\`plan\`, baseline bundle ${path.basename(path.dirname(path.dirname(baseline)))}`, 'the same netns', n, measure(['ip', 'netns', 'exec', ns, node, baseline, 'plan', ...env]))
    } finally {
      try { execFileSync('ip', ['netns', 'del', ns]) } catch { /* never made */ }
      fs.rmSync(file, { force: true })
    }
  }
  const sizes: [number, number, number][] = [[1_000, 1_000, 1_000], [10_000, 10_000, 10_000], [100_000, 100_000, 100_000]]
  for (const n of sizes) {
    const file = path.join(os.tmpdir(), `dan-bench-scale-${process.pid}-${n[0]}.json`)
    progress(`scale: snapshot with ${n[0]} links, ${n[1]} routes, ${n[2]} rules`)
    try {
      fs.writeFileSync(file, JSON.stringify(snapshot(...n)))
      row('`plan --state FILE`', 'snapshot', n, measure([node, wrapper, 'plan', '--state', file]))
    } finally {
      fs.rmSync(file, { force: true })
    }
  }
  return [
    '## 7. Scale: links, routes and rules',
    '',
    '`plan` on a machine with N links (veth pairs, down), N host routes spread over N tables and',
    'N policy rules (each looking up its own table, none matching container traffic, so the walk',
    'visits every one), plus an eth0 at 1450 with the default route. Live rows run in a network',
    'namespace the bench creates with `ip -batch` and removes, reading the machine as at dockerd\'s',
    'start (and first checking that the netlink reader and the sysfs fallback give identical',
    'Links there); snapshot rows replay a generated snapshot of the same shape with',
    '`plan --state`, for 100,000 links, which take minutes to create live. Wall time and peak',
    `RSS from GNU time, median of ${ROUNDS} runs; ratio to \`node -e 0\` (time / memory).`,
    '',
    table(['command', 'links', 'routes', 'rules', 'source', 'seconds', 'peak MiB', 'vs node -e 0'], rows),
    '',
  ].join('\n')
}
