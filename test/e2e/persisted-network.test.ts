/**
 * A network that outlives its daemon (issue 13, 3a): CI runners often keep /var/lib/docker on a
 * volume or cache, so a user-defined network made by an earlier, plain dockerd is restored from
 * the data-root when the daemon starts again. Its MTU was fixed at creation (1500):
 * `--default-network-opt` applies only to networks created from then on, so on every engine the
 * MSS clamp is what carries it.
 *
 * Per engine, in the PMTU black hole of lib/topologies.ts, one data-root throughout:
 *  1. plain dockerd creates net1; a download on it stalls (plain dockerd fails);
 *  2. that daemon stopped, the same data-root started through dockerd-autonet, in a second pod
 *     (as a runner's cache volume moves to a new pod; and the server's retransmissions of the
 *     stalled download, which go on for minutes, do not count in this pod's hole): net1 is restored
 *     without an MTU option, its container still has MTU 1500, and the download completes with
 *     the server's SHA-256 and no packet in the hole, the clamp rule having rewritten SYNs;
 *  3. the control: the clamp rule deleted, the same daemon's download on net1 stalls again.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t, { type Test } from 'tap'
import { BUSYBOX_IMAGE, ensureBusyboxImage } from './lib/busybox-image.js'
import { startDockerd, type Dockerd } from './lib/dockerd.js'
import { shq } from './lib/exec.js'
import { hasDefaultNetworkOpt } from './lib/engines.js'
import { clampCarriedIt, completes, stalls } from './lib/hole-checks.js'
import { findLeftovers, newSeen } from './lib/leftovers.js'
import { forEachEngine } from './lib/matrix.js'
import { buildBlackHole, downloadInContainer, type BlackHole } from './lib/topologies.js'
import { WRAPPER } from './lib/wrapper.js'

/** Bound of each download; a completing one takes well under a second here. */
const STALL_S = 10

forEachEngine(t, import.meta.url, (t, engine) => {
  t.setTimeout(180_000)
  const seen = newSeen()

  async function daemon(h: BlackHole, dataRoot: string, autonet: boolean): Promise<Dockerd> {
    const d = await startDockerd({ engine, netns: h.topo.ns('pod'), topology: h.topo, dataRoot, command: autonet ? WRAPPER : undefined })
    seen.tmpDirs.push(d.tmpDir)
    await ensureBusyboxImage(d)
    return d
  }

  const mtuOption = async (d: Dockerd) =>
    (await d.docker(['network', 'inspect', '--format', '{{index .Options "com.docker.network.driver.mtu"}}', 'net1'])).stdout.trim()

  t.test(`a network made by plain ${engine.label}, restored from its data-root through dockerd-autonet`, async (t: Test) => {
    const [h0, h] = [await buildBlackHole({ t }), await buildBlackHole({ t })]
    for (const x of [h0, h]) {
      seen.netns.push(x.topo.prefix)
      seen.tmpDirs.push(x.wwwDir)
    }
    const dataRoot = fs.mkdtempSync(path.join(os.tmpdir(), `${h.topo.prefix}root`))
    seen.tmpDirs.push(dataRoot)
    // Registered in the second pod before its daemon, so it runs after that daemon has stopped.
    h.topo.defer(`data-root ${dataRoot}`, async () => fs.rmSync(dataRoot, { recursive: true, force: true }), `rm -rf ${shq(dataRoot)}`)

    const plain = await daemon(h0, dataRoot, false)
    const net = await plain.docker(['network', 'create', 'net1'])
    t.equal(net.exitCode, 0, 'plain dockerd: docker network create net1', { stderr: net.stderr })
    const dl0 = await downloadInContainer(plain, h0, { image: BUSYBOX_IMAGE, timeoutS: STALL_S, network: 'net1' })
    t.equal(dl0.mtu, 1500, 'plain dockerd: net1 container eth0 MTU 1500', { output: dl0.output })
    stalls(t, dl0, h0, 'plain dockerd, net1', STALL_S)
    t.ok(await h0.icmpDropped() > 0, 'the router dropped its "fragmentation needed"')
    await plain.stop()

    const d = await daemon(h, dataRoot, true)
    const log = () => ({ log: d.log().slice(-3000) })
    if (hasDefaultNetworkOpt(engine)) {
      t.match(d.log(), new RegExp(`starting: \\S*dockerd .*--default-network-opt=bridge=com\\.docker\\.network\\.driver\\.mtu=${h.podMtu}`), 'the wrapper passed --default-network-opt (it reaches new networks only)', log())
    }
    t.match(d.log(), 'dockerd-autonet: MSS clamp: forwarded TCP SYNs now clamped', 'and added the MSS clamp', log())
    const option = await mtuOption(d)
    // A missing map key prints as '' or '<no value>' depending on the CLI's Go version.
    t.ok(option === '' || option === '<no value>', `net1 was restored from the data-root without an MTU option (${JSON.stringify(option)})`)
    const dl = await downloadInContainer(d, h, { image: BUSYBOX_IMAGE, timeoutS: STALL_S, network: 'net1' })
    t.equal(dl.mtu, 1500, 'net1 container eth0 MTU still 1500', { output: dl.output })
    completes(t, dl, h, 'dockerd-autonet, restored net1')
    await clampCarriedIt(t, h, () => downloadInContainer(d, h, { image: BUSYBOX_IMAGE, timeoutS: STALL_S, network: 'net1' }), STALL_S)
  })

  t.test('nothing is left behind', async (t) => {
    t.same(await findLeftovers(seen), [], 'no namespaces, dirs, mounts, processes or cgroups')
  })
})
