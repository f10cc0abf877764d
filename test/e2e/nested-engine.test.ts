/**
 * An engine nested in a container of the wrapped one (issue 13, 3b), as dind in dind, the buildx
 * `docker-container` driver's buildkitd with its CNI bridge, or kind run it: a second dockerd at
 * its defaults in the network namespace of a container of the outer daemon. Its egress is that
 * container's eth0 (at the outer network's MTU), but its own bridge and containers are at 1500,
 * and nothing the outer daemon is told reaches them. Their SYNs are forwarded through the outer
 * container's namespace and then through the pod's, where the MSS clamp in mangle FORWARD
 * rewrites them to the pod egress's MTU.
 *
 *   inner container (1500) ─ inner docker0 (1500) ─ outer container eth0 ─ outer docker0 ─ pod eth0 (1450) ─ router ─ wan
 *
 * Per engine, in the PMTU black hole of lib/topologies.ts:
 *  - plain outer dockerd: the inner container's download stalls;
 *  - outer dockerd through dockerd-autonet: the outer container gets MTU 1450, the inner one
 *    keeps 1500, and its download completes with the server's SHA-256 and no packet in the
 *    hole; then the control: the clamp rule deleted, the same download stalls.
 */
import t, { type Test } from 'tap'
import { BUSYBOX_IMAGE, ensureBusyboxImage } from './lib/busybox-image.js'
import { holeAndDaemon } from './lib/clients.js'
import { startDockerd, type Dockerd } from './lib/dockerd.js'
import { runOk } from './lib/exec.js'
import { clampCarriedIt, completes, stalls } from './lib/hole-checks.js'
import { findLeftovers, newSeen } from './lib/leftovers.js'
import { forEachEngine } from './lib/matrix.js'
import { netnsRemovalScript } from './lib/netns.js'
import { downloadInContainer, type BlackHole } from './lib/topologies.js'

/** Bound of each download; a completing one takes well under a second here. */
const STALL_S = 10

interface Nested { h: BlackHole, outer: Dockerd, inner: Dockerd, outerEth0Mtu: number }

forEachEngine(t, import.meta.url, (t, engine) => {
  t.setTimeout(240_000)
  const seen = newSeen()

  /**
   * The outer daemon in the pod (plain or through the wrapper), a container of it, and a plain
   * dockerd of the same engine started in that container's network namespace, which is named
   * `<prefix>inner` in /run/netns for the harness (and removed with the topology).
   */
  async function nested(t: Test, autonet: boolean): Promise<Nested> {
    const { h, d: outer } = await holeAndDaemon(t, engine, autonet, seen)
    const run = await outer.docker(['run', '-d', '--name', 'dind', BUSYBOX_IMAGE, 'sleep', '600'])
    t.equal(run.exitCode, 0, 'outer daemon: the container the nested engine lives in runs', { stderr: run.stderr })
    const pid = (await outer.docker(['inspect', '--format', '{{.State.Pid}}', 'dind'])).stdout.trim()
    t.match(pid, /^[1-9]\d*$/, 'its pid is known')
    const innerNs = `${h.topo.prefix}inner`
    // Registered before the attach and before the inner daemon: removed after it, before the outer one.
    h.topo.defer(`netns ${innerNs}`, undefined, netnsRemovalScript(innerNs))
    await runOk(['ip', 'netns', 'attach', innerNs, pid])
    const link = JSON.parse(await runOk(['ip', '-n', innerNs, '-j', 'link', 'show', 'eth0'])) as { mtu: number }[]
    const inner = await startDockerd({ engine, netns: innerNs, topology: h.topo })
    seen.tmpDirs.push(inner.tmpDir)
    await ensureBusyboxImage(inner)
    return { h, outer, inner, outerEth0Mtu: link[0].mtu }
  }

  t.test(`plain ${engine.label} with an engine nested in its container: the nested container's download stalls`, async (t) => {
    const { h, inner, outerEth0Mtu } = await nested(t, false)
    t.equal(outerEth0Mtu, 1500, 'outer container eth0 MTU 1500')
    const dl = await downloadInContainer(inner, h, { image: BUSYBOX_IMAGE, timeoutS: STALL_S })
    t.equal(dl.mtu, 1500, 'nested container eth0 MTU 1500', { output: dl.output })
    stalls(t, dl, h, 'nested engine under plain dockerd', STALL_S)
    t.ok(await h.icmpDropped() > 0, 'the router dropped its "fragmentation needed"')
  })

  t.test(`${engine.label} through dockerd-autonet with an engine nested in its container: the MSS clamp carries the nested container`, async (t) => {
    const { h, outer, inner, outerEth0Mtu } = await nested(t, true)
    t.match(outer.log(), 'dockerd-autonet: MSS clamp: forwarded TCP SYNs now clamped', 'the wrapper added the MSS clamp', { log: outer.log().slice(-3000) })
    t.equal(outerEth0Mtu, h.podMtu, `outer container eth0 MTU ${h.podMtu} (--mtu)`)
    const dl = await downloadInContainer(inner, h, { image: BUSYBOX_IMAGE, timeoutS: STALL_S })
    t.equal(dl.mtu, 1500, 'nested container eth0 MTU 1500: the nested engine is at its defaults', { output: dl.output })
    completes(t, dl, h, 'nested engine under dockerd-autonet')
    await clampCarriedIt(t, h, () => downloadInContainer(inner, h, { image: BUSYBOX_IMAGE, timeoutS: STALL_S }), STALL_S)
  })

  t.test('nothing is left behind', async (t) => {
    t.same(await findLeftovers(seen), [], 'no namespaces, dirs, mounts, processes or cgroups')
  })
})
