/**
 * Part 4 of `npm run bench`: download time in the PMTU black hole (test/e2e/lib/topologies.ts),
 * against the hand-configured `dockerd --mtu=1450` that is the ceiling, and the MSS clamp's cost:
 * dockerd-autonet with the clamp (the default) against the same with --autonet-no-clamp-mss, on
 * the default bridge, where both complete. The topology and the engine are the e2e harness's own
 * (a real dockerd in namespaces), shared rather than copied.
 */
import os from 'node:os'
import { BUSYBOX_IMAGE, ensureBusyboxImage } from '../test/e2e/lib/busybox-image.js'
import { startDockerd, type Dockerd } from '../test/e2e/lib/dockerd.js'
import { buildBlackHole, downloadInContainer, type BlackHole, type Download } from '../test/e2e/lib/topologies.js'
import { progress } from './report.js'
import { f1, f2, ratios, stats, table } from './stats.js'
import { anyEngine, hasDefaultNetworkOpt } from '../test/e2e/lib/engines.js'

const DOWNLOAD_ROUNDS = Number(process.env.BENCH_DOWNLOAD_ROUNDS ?? 20)
const DOWNLOAD_BYTES = Number(process.env.BENCH_DOWNLOAD_MIB ?? 512) * 1024 * 1024

/** The engine of part 4: the first of the fetched engines (scripts/fetch-engines.sh); part 6 runs every one. */
const ENGINE = anyEngine()

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
export class Made {
  readonly query = { netns: [] as string[], tmpDirs: [] as string[] }
  add(h: BlackHole): void {
    this.query.netns.push(h.topo.prefix)
    this.query.tmpDirs.push(h.wwwDir)
  }
}

interface Side { name: string; d: Dockerd; hole: BlackHole; network?: string; times: number[] }

export async function downloads(wrapper: string[], made: Made): Promise<string> {
  const holes: BlackHole[] = []
  try {
    progress(`downloads: three black-hole pods, ${DOWNLOAD_BYTES / 1048576} MiB file, ${ENGINE.label}`)
    const [hA, hP, hN] = [await buildBlackHole({ fileBytes: DOWNLOAD_BYTES }), await buildBlackHole({ fileBytes: DOWNLOAD_BYTES }), await buildBlackHole({ fileBytes: DOWNLOAD_BYTES })]
    holes.push(hA, hP, hN)
    for (const h of holes) made.add(h)
    const dA = await startDockerd({ engine: ENGINE, netns: hA.topo.ns('pod'), topology: hA.topo, command: wrapper })
    const dP = await startDockerd({ engine: ENGINE, netns: hP.topo.ns('pod'), topology: hP.topo, extraArgs: [`--mtu=${hP.podMtu}`] })
    // The clamp's cost: the same plan without the rule (nothing else differs on the default bridge).
    const dN = await startDockerd({ engine: ENGINE, netns: hN.topo.ns('pod'), topology: hN.topo, command: wrapper, extraArgs: ['--autonet-no-clamp-mss'] })
    made.query.tmpDirs.push(dA.tmpDir, dP.tmpDir, dN.tmpDir)
    for (const d of [dA, dP, dN]) await ensureBusyboxImage(d)
    for (const [d, args] of [[dA, ['net1']], [dP, ['-o', `com.docker.network.driver.mtu=${hP.podMtu}`, 'net2']]] as const) {
      const net = await d.docker(['network', 'create', ...args])
      if (net.exitCode !== 0) throw new Error(`docker network create ${args.join(' ')}: ${net.stderr}`)
    }
    const sides: Side[] = [
      { name: `hand-configured \`dockerd --mtu=${hP.podMtu}\`, default bridge (the ceiling)`, d: dP, hole: hP, times: [] },
      { name: 'dockerd-autonet, default bridge (--mtu planned)', d: dA, hole: hA, times: [] },
      // What a user-defined network costs by itself, set up by hand the one way 20.10 allows.
      { name: `hand-configured, user-defined network with \`-o com.docker.network.driver.mtu=${hP.podMtu}\``, d: dP, hole: hP, network: 'net2', times: [] },
      { name: `dockerd-autonet, user-defined network (${hasDefaultNetworkOpt(ENGINE) ? `MTU ${hA.podMtu} from --default-network-opt` : 'MTU 1500'}, MSS clamp)`, d: dA, hole: hA, network: 'net1', times: [] },
      { name: 'dockerd-autonet --autonet-no-clamp-mss, default bridge (no clamp rule)', d: dN, hole: hN, times: [] },
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
    let dropped = 0
    for (const h of holes) dropped += await h.icmpDropped()
    const clamp = ratios(sides[1].times, sides[4].times)
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
      `Engine: ${ENGINE.label} (${ENGINE.suite}). Plain dockerd without --mtu stalls here (see the e2e test), so it has no row. Milliseconds.`,
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
      `**The MSS clamp's cost** (on by default on every engine): dockerd-autonet's default bridge with the clamp rule`,
      `against the same plan with \`--autonet-no-clamp-mss\` (third pod, same rounds): paired ${f2(clamp.paired)}×, of mins`,
      `${f2(clamp.mins)}×. On the default bridge (MTU ${hA.podMtu}) the rule rewrites nothing; what it costs is its match on`,
      'every forwarded TCP packet in mangle FORWARD. Where it does rewrite (networks at 1500), the alternative is a stall.',
      '',
    ].join('\n')
  } finally {
    for (const h of holes.reverse()) await h.topo.destroy()
  }
}
