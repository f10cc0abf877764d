/**
 * The benchmark parts measured once per engine (dockerd 20.10, 26.1, 28.5 as fetched by
 * scripts/fetch-engines.sh; AUTONET_E2E_ENGINES picks them):
 *
 *  5. time to a ready daemon: from spawning the command until the API answers GET /_ping
 *     (polled every 20 ms by the e2e harness, lib/dockerd.ts), plain dockerd against the same
 *     dockerd started through dockerd-autonet, in the same pod, alternating which goes first.
 *     This is the cost a user waits for; the paired ratio is per round (wrapper / plain).
 *  6. download time in the PMTU black hole per engine: the hand-set configuration (`--mtu=1450`
 *     for the default bridge, `driver_opts: com.docker.network.driver.mtu: 1450` for the
 *     compose network) against dockerd-autonet with nothing set by hand, on the default bridge
 *     and on a network made by `docker compose`.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { BUSYBOX_IMAGE, ensureBusyboxImage } from '../test/e2e/lib/busybox-image.js'
import { startDockerd, type Dockerd } from '../test/e2e/lib/dockerd.js'
import { e2eEngines, hasDefaultNetworkOpt, type Engine } from '../test/e2e/lib/engines.js'
import { buildBlackHole, downloadInContainer, podBehindWan, type BlackHole } from '../test/e2e/lib/topologies.js'
import type { Made } from './downloads.js'
import { progress } from './report.js'
import { f1, f2, ratios, stats, table } from './stats.js'

const READY_ROUNDS = Number(process.env.BENCH_READY_ROUNDS ?? 10)
const ENGINE_DOWNLOAD_ROUNDS = Number(process.env.BENCH_ENGINE_DOWNLOAD_ROUNDS ?? 5)
const ENGINE_DOWNLOAD_BYTES = Number(process.env.BENCH_ENGINE_DOWNLOAD_MIB ?? 128) * 1024 * 1024

/** What the caller checks for leftovers at the end (namespace prefixes, temp dirs). */


function engines(): Engine[] {
  const { engines: list, problem } = e2eEngines()
  if (problem) throw new Error(`engines missing (scripts/fetch-engines.sh): ${problem}`)
  return list
}

/**
 * Parts 5 and 6 as Markdown sections, for the parts asked for ('5', '6'). `wrapper` is the
 * dockerd-autonet command (bin/dockerd-autonet.js under this node).
 */
export async function engineParts(parts: Set<string>, wrapper: string[], made: Made): Promise<string[]> {
  const list = parts.has('5') || parts.has('6') ? engines() : []
  const sections: string[] = []
  if (parts.has('5')) sections.push(await readyTimes(list, wrapper, made))
  if (parts.has('6')) sections.push(await engineDownloads(list, wrapper, made))
  return sections
}

async function readyTimes(list: Engine[], wrapper: string[], made: Made): Promise<string> {
  const rows: string[][] = []
  for (const engine of list) {
    progress(`ready time: ${engine.label}, ${READY_ROUNDS} rounds`)
    // A pod with a 1450 egress, so the wrapper has something to plan, as in the field.
    const topo = await podBehindWan({ teardown: () => {} }, { seen: made.query, egressMtu: 1450 })
    const plain: number[] = []
    const through: number[] = []
    try {
      const once = async (autonet: boolean): Promise<number> => {
        const d = await startDockerd({ engine, netns: topo.ns('pod'), topology: topo, command: autonet ? wrapper : undefined })
        made.query.tmpDirs.push(d.tmpDir)
        await d.stop()
        return d.readyMs
      }
      for (let round = 0; round < READY_ROUNDS; round++) {
        if (round % 2 === 0) { plain.push(await once(false)); through.push(await once(true)) } else { through.push(await once(true)); plain.push(await once(false)) }
      }
    } finally {
      await topo.destroy()
    }
    const p = stats(plain)
    const w = stats(through)
    const r = ratios(through, plain)
    const diffs = stats(through.map((x, i) => x - plain[i]))
    rows.push([`${engine.label} (${engine.suite})`, f1(p.min), f1(p.median), f1(w.min), f1(w.median), `+${f1(diffs.median)}`, `${f2(r.paired)}×`])
  }
  return [
    '## 5. Time to a ready daemon, per engine',
    '',
    'From spawning the command until the API answers `GET /_ping` (polled every 20 ms), inside a pod',
    'namespace with a 1450-byte egress; each start uses a fresh data-root (as a CI job\'s dind does) and',
    `is stopped again before the next. ${READY_ROUNDS} rounds per engine, each starting plain dockerd and the same dockerd`,
    'through dockerd-autonet (bin/dockerd-autonet.js, which reads, plans, applies and starts dockerd), in',
    'alternating order. "paired" is the median over rounds of (through dockerd-autonet / plain). Milliseconds.',
    '',
    table(['engine', 'plain min', 'plain median', 'dockerd-autonet min', 'dockerd-autonet median', 'added, median of pairs', 'ratio, paired'], rows),
    '',
  ].join('\n')
}

interface Side { name: string; d: Dockerd; hole: BlackHole; network?: string; times: number[] }

/** `docker compose up --no-start` of a one-service project: creates its default network. */
async function composeNetwork(d: Dockerd, project: string, mtu?: number): Promise<string> {
  const dir = path.join(d.tmpDir, `compose-${project}`)
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(path.join(dir, 'compose.yaml'), JSON.stringify({
    name: project,
    services: { idle: { image: BUSYBOX_IMAGE, command: ['true'] } },
    ...(mtu ? { networks: { default: { driver_opts: { 'com.docker.network.driver.mtu': String(mtu) } } } } : {}),
  }))
  const r = await d.docker(['compose', '-f', path.join(dir, 'compose.yaml'), 'up', '--no-start'], { cwd: dir, timeoutMs: 60_000 })
  if (r.exitCode !== 0) throw new Error(`docker compose up --no-start (${project}): ${r.stderr}`)
  return `${project}_default`
}

async function engineDownloads(list: Engine[], wrapper: string[], made: Made): Promise<string> {
  const rows: string[][] = []
  let dropped = 0
  for (const engine of list) {
    progress(`downloads: ${engine.label}, ${ENGINE_DOWNLOAD_ROUNDS} rounds of ${ENGINE_DOWNLOAD_BYTES / 1048576} MiB`)
    const holes: BlackHole[] = []
    try {
      for (let i = 0; i < 2; i++) {
        const h = await buildBlackHole({ fileBytes: ENGINE_DOWNLOAD_BYTES })
        holes.push(h)
        made.query.netns.push(h.topo.prefix)
        made.query.tmpDirs.push(h.wwwDir)
      }
      const [hA, hP] = holes
      const dA = await startDockerd({ engine, netns: hA.topo.ns('pod'), topology: hA.topo, command: wrapper })
      const dP = await startDockerd({ engine, netns: hP.topo.ns('pod'), topology: hP.topo, extraArgs: [`--mtu=${hP.podMtu}`] })
      made.query.tmpDirs.push(dA.tmpDir, dP.tmpDir)
      for (const d of [dA, dP]) await ensureBusyboxImage(d)
      const netA = await composeNetwork(dA, 'autonet')
      const netP = await composeNetwork(dP, 'byhand', hP.podMtu)
      const how = hasDefaultNetworkOpt(engine) ? 'mtu 1450 from --default-network-opt; clamp rule present' : 'mtu 1500, MSS clamp'
      const sides: Side[] = [
        { name: `hand-set \`--mtu=${hP.podMtu}\`, default bridge (the ceiling)`, d: dP, hole: hP, times: [] },
        { name: 'dockerd-autonet, default bridge', d: dA, hole: hA, times: [] },
        { name: `hand-set \`driver_opts\` mtu ${hP.podMtu}, compose network`, d: dP, hole: hP, network: netP, times: [] },
        { name: `dockerd-autonet, compose network (${how})`, d: dA, hole: hA, network: netA, times: [] },
      ]
      for (const s of sides) {
        const dl = await downloadInContainer(s.d, s.hole, { image: BUSYBOX_IMAGE, timeoutS: 120, network: s.network })
        if (dl.exitCode !== 0 || dl.sha256 !== s.hole.sha256) throw new Error(`${engine.label}, ${s.name}: checked download failed (exit ${dl.exitCode}): ${dl.output.slice(-500)}`)
      }
      for (let round = 0; round < ENGINE_DOWNLOAD_ROUNDS; round++) {
        for (const s of sides.map((_, i) => sides[(i + round) % sides.length])) {
          const dl = await downloadInContainer(s.d, s.hole, { image: BUSYBOX_IMAGE, timeoutS: 120, network: s.network, sink: 'null' })
          if (dl.exitCode !== 0 || dl.downloadMs === null) throw new Error(`${engine.label}, ${s.name}: download failed (exit ${dl.exitCode})`)
          s.times.push(dl.downloadMs)
        }
      }
      dropped += (await hA.icmpDropped()) + (await hP.icmpDropped())
      const ceilings = [sides[0].times, sides[0].times, sides[2].times, sides[2].times]
      sides.forEach((s, i) => {
        const st = stats(s.times)
        const r = ratios(s.times, ceilings[i])
        rows.push([engine.label, s.name, f1(st.min), f1(st.median), f1(ENGINE_DOWNLOAD_BYTES / 1048576 / (st.median / 1000)), `${f2(r.paired)}×`])
      })
    } finally {
      for (const h of holes.reverse()) await h.topo.destroy()
    }
  }
  return [
    '## 6. Download time in the PMTU black hole, per engine',
    '',
    'The topology of part 4, per engine: two black-hole pods, one daemon each. The hand-set daemon has',
    '`--mtu=1450` and a compose project whose default network sets `driver_opts:',
    'com.docker.network.driver.mtu: "1450"`; the dockerd-autonet daemon has nothing set by hand and a',
    'plain compose project (`docker compose up --no-start` makes both networks). Plain dockerd stalls',
    `here (test/e2e/pmtu-blackhole, docker-build, compose), so it has no row. ${ENGINE_DOWNLOAD_BYTES / 1048576} MiB per download,`,
    `one checked download (SHA-256) per row, then ${ENGINE_DOWNLOAD_ROUNDS} rounds in rotating order; milliseconds, timed in the`,
    'container. Each dockerd-autonet row is compared with the hand-set row of the same network',
    '("paired": median over rounds of the per-round ratio).',
    `ICMP "fragmentation needed" dropped by the routers during the whole part: ${dropped}.`,
    '',
    table(['engine', 'daemon, network', 'min', 'median', 'MiB/s (median)', 'ratio to hand-set, paired'], rows),
    '',
    `Machine: ${os.cpus().length} CPUs; the transfer is CPU-bound (forwarding, NAT, iptables), so load shows in the spread.`,
    '',
  ].join('\n')
}
