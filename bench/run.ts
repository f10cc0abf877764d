/**
 * `npm run bench`: what dockerd-autonet costs and what it buys, side by side in one run.
 *
 *  1. start-up: time from invoking a launcher to the exec'd program running;
 *  2. memory the launcher leaves resident while dockerd runs;
 *  3. decision quality on every shared case (../shared/cases), against the naive strategies;
 *  4. download time in the PMTU black hole (test/e2e/lib/topologies.ts), against the
 *     hand-configured `dockerd --mtu=1450` that is the ceiling;
 *  5, 6. per engine (bench/engines.ts): time to a ready daemon, and the downloads of 4;
 *  7. scale: `plan` with 1k, 10k and 100k links, routes and rules (bench/scale.ts).
 *
 * `npm run bench -- --only startup,scale` runs only the parts named (startup = 1+2,
 * decisions = 3, downloads = 4, engines = 5+6, scale = 7); BENCH_PARTS=1,7 does the same by
 * number. Only parts 4, 5 and 6 start real engines.
 *
 * Prints a Markdown report on stdout (progress on stderr); `npm run bench -- --write` also
 * writes it to BENCHMARKS.md. Needs root (namespaces, a real dockerd), like the e2e tests; it
 * touches nothing outside the namespaces it creates and removes them on any exit.
 *
 * Built by esbuild into node_modules/.cache (see the npm script): Node 20 cannot run .ts, and
 * the topology code is the e2e harness's own, shared rather than copied.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { anyEngine } from '../test/e2e/lib/engines.js'
import { findLeftovers } from '../test/e2e/lib/leftovers.js'
import { buildBlackHole } from '../test/e2e/lib/topologies.js'
import { decisionQuality } from './decisions.js'
import { engineParts } from './engines.js'
import { downloads, Made } from './downloads.js'
import { progress, ROOT, sh } from './report.js'
import { scale } from './scale.js'
import { startupAndMemory, STUB } from './startup.js'

const PART_NAMES: Record<string, string[]> = { startup: ['1', '2'], decisions: ['3'], downloads: ['4'], engines: ['5', '6'], scale: ['7'] }

/** Which parts to run: `--only NAME,…` (PART_NAMES), else BENCH_PARTS=1,3, else all. */
function partsToRun(argv: string[]): Set<string> {
  const i = argv.findIndex((a) => a === '--only' || a.startsWith('--only='))
  if (i === -1) return new Set((process.env.BENCH_PARTS ?? '1,2,3,4,5,6,7').split(',').map((x) => x.trim()))
  const value = argv[i].startsWith('--only=') ? argv[i].slice('--only='.length) : argv[i + 1] ?? ''
  const out = new Set<string>()
  for (const name of value.split(',').map((x) => x.trim()).filter(Boolean)) {
    const parts = PART_NAMES[name]
    if (!parts) throw new Error(`--only: unknown part "${name}" (known: ${Object.keys(PART_NAMES).join(', ')})`)
    for (const p of parts) out.add(p)
  }
  if (out.size === 0) throw new Error(`--only needs a list of parts (${Object.keys(PART_NAMES).join(', ')})`)
  return out
}
const PARTS = partsToRun(process.argv.slice(2))

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
    `- dockerd (parts 1-4): ${sh(anyEngine().dockerd, ['--version'])}`,
    `- dockerd-autonet: ${pkg.version}, git ${sh('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'])}${sh('git', ['-C', ROOT, 'status', '--porcelain']) ? ' + uncommitted changes' : ''}`,
    `- command: \`npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}\`${Object.keys(process.env).filter((k) => k.startsWith('BENCH_')).map((k) => ` with ${k}=${process.env[k]}`).join('')}`,
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
    for (const s of await engineParts(PARTS, wrapper, made)) sections.push(s)
    if (PARTS.has('7')) sections.push(await scale())
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
