/**
 * A network created with an explicit MTU of 1500 (issue 13, 3c):
 * `docker network create -o com.docker.network.driver.mtu=1500`, as a compose file with
 * `driver_opts` or a tool that copies dockerd's default does. The user's option wins over
 * `--default-network-opt` (it only supplies a default), so on every engine the network stays at
 * 1500 and the MSS clamp is what carries it.
 *
 * Per engine, in the PMTU black hole of lib/topologies.ts:
 *  - plain dockerd: the download on that network stalls;
 *  - through dockerd-autonet: the network carries mtu 1500, its container too, and the download
 *    completes with the server's SHA-256 and no packet in the hole, the clamp having rewritten
 *    SYNs; then the control: the clamp rule deleted, the same download stalls.
 */
import t, { type Test } from 'tap'
import { BUSYBOX_IMAGE } from './lib/busybox-image.js'
import { holeAndDaemon } from './lib/clients.js'
import type { Dockerd } from './lib/dockerd.js'
import { clampCarriedIt, completes, stalls } from './lib/hole-checks.js'
import { findLeftovers, newSeen } from './lib/leftovers.js'
import { forEachEngine } from './lib/matrix.js'
import { downloadInContainer, type BlackHole } from './lib/topologies.js'

/** Bound of each download; a completing one takes well under a second here. */
const STALL_S = 10
const NETWORK = 'net1500'

forEachEngine(t, import.meta.url, (t, engine) => {
  t.setTimeout(180_000)
  const seen = newSeen()

  /** A black hole and a daemon in its pod with the network created, its MTU option checked. */
  async function holeWithNetwork(t: Test, autonet: boolean): Promise<{ h: BlackHole, d: Dockerd }> {
    const { h, d } = await holeAndDaemon(t, engine, autonet, seen)
    const net = await d.docker(['network', 'create', '-o', 'com.docker.network.driver.mtu=1500', NETWORK])
    t.equal(net.exitCode, 0, `docker network create -o com.docker.network.driver.mtu=1500 ${NETWORK}`, { stderr: net.stderr })
    const option = await d.docker(['network', 'inspect', '--format', '{{index .Options "com.docker.network.driver.mtu"}}', NETWORK])
    t.equal(option.stdout.trim(), '1500', `${NETWORK} carries com.docker.network.driver.mtu=1500`, { stderr: option.stderr })
    return { h, d }
  }

  t.test(`plain ${engine.label}: a download on a network created with mtu 1500 stalls`, async (t) => {
    const { h, d } = await holeWithNetwork(t, false)
    const dl = await downloadInContainer(d, h, { image: BUSYBOX_IMAGE, timeoutS: STALL_S, network: NETWORK })
    t.equal(dl.mtu, 1500, 'container eth0 MTU 1500', { output: dl.output })
    stalls(t, dl, h, `plain dockerd, ${NETWORK}`, STALL_S)
    t.ok(await h.icmpDropped() > 0, 'the router dropped its "fragmentation needed"')
  })

  t.test(`${engine.label} through dockerd-autonet: the network keeps the user's 1500 and the MSS clamp carries it`, async (t) => {
    const { h, d } = await holeWithNetwork(t, true)
    t.match(d.log(), 'dockerd-autonet: MSS clamp: forwarded TCP SYNs now clamped', 'the wrapper added the MSS clamp', { log: d.log().slice(-3000) })
    const dl = await downloadInContainer(d, h, { image: BUSYBOX_IMAGE, timeoutS: STALL_S, network: NETWORK })
    t.equal(dl.mtu, 1500, 'container eth0 MTU 1500: the explicit option won over --default-network-opt', { output: dl.output })
    completes(t, dl, h, `dockerd-autonet, ${NETWORK}`)
    await clampCarriedIt(t, h, () => downloadInContainer(d, h, { image: BUSYBOX_IMAGE, timeoutS: STALL_S, network: NETWORK }), STALL_S)
  })

  t.test('nothing is left behind', async (t) => {
    t.same(await findLeftovers(seen), [], 'no namespaces, dirs, mounts, processes or cgroups')
  })
})
