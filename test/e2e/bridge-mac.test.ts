/**
 * Bridge MAC pinning with each real dockerd (20.10, 26.1, 28.5): a bridge made outside dockerd (`--bridge=br-ci`,
 * created here without a MAC, like a distribution's network config does) follows the lowest MAC
 * of its ports, so every container start/stop moves the gateway MAC its neighbours have cached.
 * Through the wrapper the MAC is pinned before dockerd starts and stays put over 15+ container
 * cycles; with --autonet-no-bridge-mac (the same wrapper, the fix off) it moves every cycle.
 * docker0, which dockerd creates itself, is checked too: every engine gives it an explicit MAC
 * (addr_assign_type 3), so there is nothing to pin; up to 26.1 it is 02:42:…, 28.5 gives a random
 * locally administered one (observed here; no test depends on which).
 */
import t, { type Test } from 'tap'
import { stableBridgeMac } from '../../src/net/bridge-mac.js'
import { BUSYBOX_IMAGE, ensureBusyboxImage } from './lib/busybox-image.js'
import { startDockerd, type Dockerd } from './lib/dockerd.js'
import { findLeftovers, newSeen } from './lib/leftovers.js'
import type { Teardownable, Topology } from './lib/netns.js'
import { forEachEngine } from './lib/matrix.js'
import { podBehindWan } from './lib/topologies.js'
import { WRAPPER } from './lib/wrapper.js'

const CYCLES = 16

interface Cycle {
  /** Bridge MAC and addr_assign_type while the container's veth is its only port. */
  withPort: string
  assignWithPort: number
  /** MAC of that port (the host end of the container's veth). */
  portMac: string
  /** Bridge MAC after the container is gone. */
  after: string
}

forEachEngine(t, import.meta.url, (t, engine) => {
  t.setTimeout(300_000)
  const seen = newSeen()

  /** pod --eth0--> wan; br-ci made by hand in pod, no MAC given, gateway 10.77.0.1/24. */
  async function podWithBridge(tt: Teardownable, bridge = true): Promise<Topology> {
    const topo = await podBehindWan(tt, { seen })
    if (bridge) {
      await topo.addLink('pod', 'br-ci', 'bridge')
      await topo.addAddr('pod', 'br-ci', '10.77.0.1/24')
    }
    return topo
  }

  async function sys(d: Dockerd, path: string): Promise<string> {
    const r = await d.inside(['cat', path])
    if (r.exitCode !== 0) throw new Error(`cat ${path}: ${r.stderr}`)
    return r.stdout.trim()
  }

  async function macOf(d: Dockerd, dev: string): Promise<{ mac: string, assign: number }> {
    return { mac: await sys(d, `/sys/class/net/${dev}/address`), assign: Number(await sys(d, `/sys/class/net/${dev}/addr_assign_type`)) }
  }

  /** Start a container, read the bridge while its veth is attached, remove it, read again. */
  async function cycles(tt: Test, d: Dockerd, bridge: string, n: number): Promise<Cycle[]> {
    await ensureBusyboxImage(d)
    const out: Cycle[] = []
    for (let i = 0; i < n; i++) {
      const run = await d.docker(['run', '-d', BUSYBOX_IMAGE, 'sleep', '120'], { timeoutMs: 30_000 })
      if (run.exitCode !== 0) throw new Error(`docker run: ${run.stderr}`)
      const id = run.stdout.trim()
      const ports = (await d.inside(['ls', `/sys/class/net/${bridge}/brif`])).stdout.split(/\s+/).filter(Boolean)
      if (ports.length !== 1) throw new Error(`expected one port on ${bridge}, found ${ports.join(' ')}`)
      const now = await macOf(d, bridge)
      const portMac = await sys(d, `/sys/class/net/${ports[0]}/address`)
      const rm = await d.docker(['rm', '-f', id], { timeoutMs: 30_000 })
      if (rm.exitCode !== 0) throw new Error(`docker rm: ${rm.stderr}`)
      out.push({ withPort: now.mac, assignWithPort: now.assign, portMac, after: (await macOf(d, bridge)).mac })
    }
    tt.comment(`${bridge} over ${n} cycles: ${out.map((c) => c.withPort).join(' ')}`)
    return out
  }

  /** The gateway MAC a container learns by ARP. */
  async function gatewayMacSeenByContainer(d: Dockerd, gateway: string): Promise<string | undefined> {
    const r = await d.docker(['run', '--rm', BUSYBOX_IMAGE, 'sh', '-c', `ping -c 1 -W 3 ${gateway} >/dev/null; cat /proc/net/arp`])
    return r.stdout.split('\n').map((l) => l.trim().split(/\s+/)).find((f) => f[0] === gateway)?.[3]
  }

  t.test(`through the wrapper, br-ci keeps one MAC over ${CYCLES} container cycles`, async (t) => {
    const topo = await podWithBridge(t)
    const d = await startDockerd({ engine, netns: topo.ns('pod'), topology: topo, command: WRAPPER, extraArgs: ['--bridge=br-ci'] })
    seen.tmpDirs.push(d.tmpDir)
    const want = stableBridgeMac('br-ci', [])
    t.match(d.log(), `bridge br-ci: MAC pinned to ${want}`, 'the wrapper says what it did', { log: d.log() })
    t.same(await macOf(d, 'br-ci'), { mac: want, assign: 3 }, 'pinned before any container, NET_ADDR_SET')

    const runs = await cycles(t, d, 'br-ci', CYCLES)
    t.same([...new Set(runs.map((c) => c.withPort))], [want], 'the same MAC while each container is attached')
    t.same([...new Set(runs.map((c) => c.after))], [want], 'and after each one left')
    t.same([...new Set(runs.map((c) => c.assignWithPort))], [3], 'addr_assign_type stays 3')
    t.ok(runs.every((c) => c.portMac !== want), 'no port ever had that MAC (it is not borrowed from a port)')
    t.equal(await gatewayMacSeenByContainer(d, '10.77.0.1'), want, 'a container resolves its gateway to the pinned MAC')

    await d.stop()
    t.same(await findLeftovers({ tmpDirs: [d.tmpDir] }), [], 'instance removed')
  })

  t.test('with --autonet-no-bridge-mac (the fix off) br-ci takes each new container\'s MAC', async (t) => {
    const topo = await podWithBridge(t)
    const d = await startDockerd({ engine,
      netns: topo.ns('pod'), topology: topo, command: WRAPPER, extraArgs: ['--bridge=br-ci', '--autonet-no-bridge-mac'],
    })
    seen.tmpDirs.push(d.tmpDir)
    t.match(d.log(), 'bridge br-ci: MAC pinning disabled (--autonet-no-bridge-mac)', { log: d.log() })
    t.notMatch(d.log(), 'MAC pinned to')
    t.equal((await macOf(d, 'br-ci')).assign, 1, 'random address, not set (NET_ADDR_RANDOM)')

    const runs = await cycles(t, d, 'br-ci', CYCLES)
    t.ok(runs.every((c) => c.withPort === c.portMac), 'each cycle the bridge carries its only port\'s MAC', { runs })
    const distinct = new Set(runs.map((c) => c.withPort))
    t.ok(distinct.size >= CYCLES - 1, `the MAC changed across cycles (${distinct.size} distinct values in ${CYCLES})`)
    t.same([...new Set(runs.map((c) => c.after))], ['00:00:00:00:00:00'], 'with no port left the bridge MAC is all zeros')
    t.same([...new Set(runs.map((c) => c.assignWithPort))], [1], 'addr_assign_type stays 1')
    const seenByContainer = await gatewayMacSeenByContainer(d, '10.77.0.1')
    t.ok(seenByContainer && !distinct.has(seenByContainer), 'the next container sees yet another gateway MAC (its own veth\'s)', { seenByContainer })
  })

  const docker0Mac = engine.major >= 28 ? 'a random locally administered MAC' : 'an explicit 02:42 MAC'
  t.test(`plain ${engine.label} gives docker0 ${docker0Mac} (nothing for us to pin)`, async (t) => {
    const topo = await podWithBridge(t, false)
    const d = await startDockerd({ engine, netns: topo.ns('pod'), topology: topo })
    seen.tmpDirs.push(d.tmpDir)
    const docker0 = await macOf(d, 'docker0')
    t.comment(`docker0 ${docker0.mac} addr_assign_type ${docker0.assign}`)
    t.equal(docker0.assign, 3, 'docker0 is created with an address (NET_ADDR_SET)')
    if (engine.major >= 28) {
      t.notMatch(docker0.mac, /^02:42:/, 'no longer the 02:42 prefix')
      // Bit 1 of the first octet: locally administered; bit 0: unicast.
      t.equal(parseInt(docker0.mac.slice(0, 2), 16) & 0x03, 0x02, 'a locally administered unicast MAC')
    } else {
      t.match(docker0.mac, /^02:42:/, 'dockerd\'s 02:42 prefix')
    }
    const runs = await cycles(t, d, 'docker0', 4)
    t.same([...new Set([...runs.map((c) => c.withPort), ...runs.map((c) => c.after)])], [docker0.mac], 'constant across cycles')
  })

  t.test('nothing is left behind', async (t) => {
    t.same(await findLeftovers(seen), [])
  })
})
