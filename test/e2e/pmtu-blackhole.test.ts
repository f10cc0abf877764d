/**
 * The field failure, reproduced, and the fix proven on it: Docker-in-Docker in a Kubernetes pod
 * whose only egress is a flannel VXLAN link of 1450 bytes, behind a router that drops ICMP
 * "fragmentation needed" (topology and why it is a true black hole: lib/topologies.ts).
 *
 * Both sides are asserted, in this order of evidence:
 *  1. plain dockerd: a large download stalls while a small one passes, the router counted the
 *     ICMP it dropped, the server learned no path MTU; then, same daemon, same container set-up,
 *     with the ICMP let through (the control), the download completes and the server has cached
 *     the path MTU. So the hole, and nothing else, is what stalls plain dockerd.
 *  2. dockerd-autonet: downloads complete on the default bridge (MTU 1450) and on a user-defined
 *     network, without a single packet hitting the hole, by the path the engine allows: on
 *     Engine >= 24 the network gets MTU 1450 from --default-network-opt (the MSS clamp is added
 *     too, for the networks that option cannot reach: persisted-network, explicit-mtu-network,
 *     nested-engine); on 20.10 (no --default-network-opt) it stays at 1500 and the clamp carries it.
 *  3. hand-configured `dockerd --mtu=1450`: the default bridge works, a user-defined network
 *     still stalls (what the clamp fixes).
 *  4. Calico IP-in-IP (1480) with a down 1280 decoy: dockerd-autonet picks 1480 and downloads.
 *
 * Stalling runs are the slow part (each waits STALL_S); there are exactly two.
 */
import t, { type Test } from 'tap'
import { BUSYBOX_IMAGE, ensureBusyboxImage } from './lib/busybox-image.js'
import { startDockerd, type Dockerd } from './lib/dockerd.js'
import { hasDefaultNetworkOpt } from './lib/engines.js'
import { CLAMP_RULE_LISTED, completes, mangleForward, stalls } from './lib/hole-checks.js'
import { findLeftovers, newSeen } from './lib/leftovers.js'
import { forEachEngine } from './lib/matrix.js'
import { buildBlackHole, downloadInContainer, type BlackHole, type BlackHoleOptions, type Download } from './lib/topologies.js'
import { WRAPPER } from './lib/wrapper.js'

/** Bound of each download; a completing one takes well under a second here. */
const STALL_S = 20

forEachEngine(t, import.meta.url, (t, engine) => {
  // Every bound inside is far smaller; this only keeps a wedged run from reaching tap's 600 s.
  t.setTimeout(360_000)
  const seen = newSeen()

  async function blackHole(tt: Test, o: Omit<BlackHoleOptions, 't'> = {}): Promise<BlackHole> {
    const h = await buildBlackHole({ t: tt, ...o })
    seen.netns.push(h.topo.prefix)
    seen.tmpDirs.push(h.wwwDir)
    return h
  }

  async function daemon(h: BlackHole, o: { autonet: boolean; extraArgs?: string[] }): Promise<Dockerd> {
    const d = await startDockerd({ engine,
      netns: h.topo.ns('pod'), topology: h.topo, command: o.autonet ? WRAPPER : undefined, extraArgs: o.extraArgs,
    })
    seen.tmpDirs.push(d.tmpDir)
    await ensureBusyboxImage(d)
    return d
  }

  function download(d: Dockerd, h: BlackHole, network?: string): Promise<Download> {
    return downloadInContainer(d, h, { image: BUSYBOX_IMAGE, timeoutS: STALL_S, network })
  }

  t.test(`plain ${engine.label} stalls in the PMTU black hole; with the ICMP let through it completes (control)`, async (t) => {
    const h = await blackHole(t)
    const d = await daemon(h, { autonet: false })

    const dl = await download(d, h)
    t.equal(dl.mtu, 1500, 'container eth0 MTU is dockerd\'s default 1500', { output: dl.output })
    stalls(t, dl, h, 'plain dockerd', STALL_S)
    t.ok(await h.icmpDropped() > 0, 'the router emitted "fragmentation needed" and its firewall dropped it')
    t.equal(await h.serverPmtu(), null, 'so the server never learned the path MTU')

    await h.letIcmpThrough()
    const ctl = await download(d, h)
    completes(t, ctl, h, 'control, ICMP let through')
    t.equal(await h.serverPmtu(), h.podMtu, `the server learned path MTU ${h.podMtu} from the ICMP`)
  })

  /**
   * The download on the default bridge (MTU podMtu, completes), then on a network made as compose
   * makes one (MTU `net1Mtu`, asserted with `net1Message`); returns that second download for the
   * caller to judge: it completes or stalls depending on the daemon.
   */
  async function defaultBridgeThenNet1(t: Test, d: Dockerd, h: BlackHole, net1Mtu: number, net1Message: string): Promise<Download> {
    const dl = await download(d, h)
    t.equal(dl.mtu, h.podMtu, `default bridge container eth0 MTU ${h.podMtu}`, { output: dl.output })
    completes(t, dl, h, 'default bridge')
    // What compose does for every project.
    const net = await d.docker(['network', 'create', 'net1'])
    t.equal(net.exitCode, 0, 'docker network create net1', { stderr: net.stderr })
    const dl1 = await download(d, h, 'net1')
    t.equal(dl1.mtu, net1Mtu, net1Message, { output: dl1.output })
    return dl1
  }

  if (hasDefaultNetworkOpt(engine)) {
    t.test(`${engine.label} through dockerd-autonet completes on the default bridge and, via --default-network-opt (Engine >= 24), on a user-defined network at mtu 1450`, async (t) => {
      const h = await blackHole(t)
      const d = await daemon(h, { autonet: true })
      const log = () => ({ log: d.log().slice(-3000) })
      t.match(d.log(), `dockerd-autonet: --mtu=${h.podMtu}: egress eth0`, 'the wrapper planned --mtu for the egress', log())
      t.match(d.log(), new RegExp(`starting: \\S*dockerd .*--default-network-opt=bridge=com\\.docker\\.network\\.driver\\.mtu=${h.podMtu}`), 'and passed --default-network-opt for user-defined networks', log())
      t.match(d.log(), 'dockerd-autonet: MSS clamp: forwarded TCP SYNs now clamped', 'and added the MSS clamp for the networks still at 1500', log())

      const dl1 = await defaultBridgeThenNet1(t, d, h, h.podMtu, `net1 container eth0 MTU ${h.podMtu} (${engine.label} applies --default-network-opt to new networks)`)
      completes(t, dl1, h, 'user-defined network net1')
      const net = await d.docker(['network', 'inspect', '--format', '{{index .Options "com.docker.network.driver.mtu"}}', 'net1'])
      t.equal(net.stdout.trim(), String(h.podMtu), `net1 carries com.docker.network.driver.mtu=${h.podMtu}`, { stderr: net.stderr })
      const { rules } = await mangleForward(h)
      t.match(rules, CLAMP_RULE_LISTED, 'the clamp rule is in the pod\'s mangle FORWARD', { rules })

      t.equal(await h.icmpDropped(), 0, 'no oversized packet ever reached the hole')
      t.equal(await h.serverPmtu(), null, 'and the server learned no path MTU: nothing relied on ICMP')
    })
  } else {
    t.test(`${engine.label} through dockerd-autonet completes on the default bridge and, via the MSS clamp (Engine < 24), on a user-defined network`, async (t) => {
      const h = await blackHole(t)
      const d = await daemon(h, { autonet: true })
      const log = () => ({ log: d.log().slice(-3000) })
      t.match(d.log(), `dockerd-autonet: --mtu=${h.podMtu}: egress eth0`, 'the wrapper planned --mtu for the egress', log())
      t.match(d.log(), 'dockerd-autonet: MSS clamp: forwarded TCP SYNs now clamped', 'and added the MSS clamp for user-defined networks', log())
      t.notMatch(d.log(), /starting: .*--default-network-opt/, `dockerd started without --default-network-opt: ${engine.label} would refuse it`, log())

      const dl1 = await defaultBridgeThenNet1(t, d, h, 1500, `net1 container eth0 MTU stays 1500 (${engine.label}: --mtu reaches only the default bridge)`)
      completes(t, dl1, h, 'user-defined network net1')
      const { rules, clampHits } = await mangleForward(h)
      t.match(rules, CLAMP_RULE_LISTED, 'the clamp rule is in the pod\'s mangle FORWARD')
      t.ok(clampHits > 0, `and it rewrote forwarded SYNs (${clampHits} packets)`)

      t.equal(await h.icmpDropped(), 0, 'no oversized packet ever reached the hole')
      t.equal(await h.serverPmtu(), null, 'and the server learned no path MTU: nothing relied on ICMP')
    })
  }

  t.test(`hand-configured ${engine.label} --mtu=1450: default bridge completes, a user-defined network still stalls`, async (t) => {
    const h = await blackHole(t)
    const d = await daemon(h, { autonet: false, extraArgs: [`--mtu=${h.podMtu}`] })

    const dl1 = await defaultBridgeThenNet1(t, d, h, 1500, 'net1 container eth0 MTU is 1500 despite --mtu')
    stalls(t, dl1, h, 'user-defined network net1', STALL_S)
    t.ok(await h.icmpDropped() > 0, 'the router dropped its "fragmentation needed"')
  })

  t.test(`Calico IP-in-IP 1480 with a down 1280 decoy: dockerd-autonet picks 1480 and ${engine.label} downloads`, async (t) => {
    const h = await blackHole(t, { style: 'calico' })
    const d = await daemon(h, { autonet: true })

    // The trap is armed: the usual entrypoint loop over /sys/class/net would pick the decoy.
    const loop = await d.inside(['sh', '-c', 'm=65536; for f in /sys/class/net/*/mtu; do v=$(cat $f); [ $v -lt $m ] && m=$v; done; echo $m'])
    t.equal(loop.stdout.trim(), '1280', 'minimum MTU of all interfaces is the decoy\'s 1280')

    t.match(d.log(), `dockerd-autonet: --mtu=${h.podMtu}: egress eth0`, `the wrapper planned --mtu=${h.podMtu}`, { log: d.log().slice(-3000) })
    t.notMatch(d.log(), /--mtu=1280/, 'not the decoy\'s 1280')
    const dl = await download(d, h)
    t.equal(dl.mtu, h.podMtu, `container eth0 MTU ${h.podMtu}`, { output: dl.output })
    completes(t, dl, h, 'calico pod')
    t.equal(await h.icmpDropped(), 0, 'no oversized packet ever reached the hole')
  })

  t.test('nothing is left behind', async (t) => {
    t.same(await findLeftovers(seen), [], 'no namespaces, dirs, mounts, processes or cgroups')
  })
})
