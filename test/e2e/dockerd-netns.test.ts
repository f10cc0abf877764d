/**
 * Proves the e2e harness: a real dockerd in a network namespace whose egress MTU is 1450, next
 * to a smaller-MTU decoy link, hands containers exactly the MTU it was told (--mtu=1450), and
 * plain dockerd hands them 1500 — the Docker-in-Docker bug dockerd-autonet exists to fix.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t, { type Test } from 'tap'
import { BUSYBOX_IMAGE, ensureBusyboxImage } from './lib/busybox-image.js'
import { DockerdStartError, startDockerd, type Dockerd } from './lib/dockerd.js'
import { findLeftovers, newSeen } from './lib/leftovers.js'
import type { Teardownable } from './lib/netns.js'
import { forEachEngine } from './lib/matrix.js'
import { podBehindWan } from './lib/topologies.js'

const EGRESS_MTU = 1450
const DECOY_MTU = 1280

forEachEngine(t, import.meta.url, (t, engine) => {
  // Every bound inside is far smaller; this only keeps a wedged run from reaching tap's 600 s.
  t.setTimeout(180_000)
  const seen = newSeen()

  /**
   * pod --eth0 (mtu 1450, 10.200.0.2/24)--> wan (gateway 10.200.0.1, 198.18.0.1 on lo).
   * pod also has decoy0 (mtu 1280, up, addressed) carrying no default route.
   */
  const pod = (tt: Teardownable) => podBehindWan(tt, {
    seen, egressMtu: EGRESS_MTU, wanServerIp: '198.18.0.1', forwarding: true,
    decoy: { mtu: DECOY_MTU, addr: '10.200.99.1/24' },
  })

  async function timed<T>(tt: Test, what: string, f: () => Promise<T>): Promise<T> {
    const t0 = Date.now()
    try { return await f() } finally { tt.comment(`${what}: ${Date.now() - t0} ms`) }
  }

  async function containerMtu(tt: Test, d: Dockerd): Promise<string> {
    await timed(tt, 'busybox image import', () => ensureBusyboxImage(d))
    const r = await timed(tt, 'docker run', () => d.docker(['run', '--rm', BUSYBOX_IMAGE, 'cat', '/sys/class/net/eth0/mtu']))
    tt.equal(r.exitCode, 0, 'container ran', { stderr: r.stderr })
    return r.stdout.trim()
  }

  t.test(`dockerd --mtu=${EGRESS_MTU} gives containers eth0 MTU ${EGRESS_MTU}`, async (t) => {
    const topo = await pod(t)
    const d = await timed(t, 'dockerd start', () =>
      startDockerd({ engine, netns: topo.ns('pod'), topology: topo, extraArgs: [`--mtu=${EGRESS_MTU}`] }))
    seen.tmpDirs.push(d.tmpDir)

    // What the wrapper will read must be the namespace's links, not the host's.
    const seenLinks = (await d.inside(['ls', '/sys/class/net'])).stdout.split(/\s+/).filter(Boolean).sort()
    t.same(seenLinks, ['decoy0', 'decoy0p', 'docker0', 'eth0', 'lo'], 'sysfs inside the instance shows the netns')
    t.equal((await d.inside(['cat', '/sys/class/net/decoy0/mtu'])).stdout.trim(), String(DECOY_MTU))

    t.equal(await containerMtu(t, d), String(EGRESS_MTU), 'container eth0 MTU', { log: d.log().slice(-4000) })

    // The gateway path works end to end (docker0 -> NAT -> pod eth0 -> wan), all inside namespaces.
    const ping = await d.docker(['run', '--rm', BUSYBOX_IMAGE, 'ping', '-c', '1', '-W', '3', '198.18.0.1'])
    t.equal(ping.exitCode, 0, 'container reaches 198.18.0.1 behind the gateway', { out: ping.stdout + ping.stderr })

    await timed(t, 'dockerd stop', () => d.stop())
    t.same(await findLeftovers({ tmpDirs: [d.tmpDir] }), [], 'stop() leaves nothing of the instance')
  })

  t.test('plain dockerd gives containers 1500 whatever the egress MTU (the bug)', async (t) => {
    const topo = await pod(t)
    const d = await timed(t, 'dockerd start', () => startDockerd({ engine, netns: topo.ns('pod'), topology: topo }))
    seen.tmpDirs.push(d.tmpDir)
    t.equal(await containerMtu(t, d), '1500', 'container eth0 MTU', { log: d.log().slice(-4000) })
    // Left running on purpose: topology teardown must stop it before removing the namespaces.
  })

  t.test('a command that dies before the API answers is reported and cleaned up', async (t) => {
    const topo = await pod(t)
    const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), `dan-${topo.id}-f`))
    seen.tmpDirs.push(tmpDir)
    const err = await startDockerd({ engine,
      netns: topo.ns('pod'), topology: topo, tmpDir,
      command: ['sh', '-c', 'echo "cannot start: $1" >&2; exit 3', 'fake-dockerd'],
      readyTimeoutMs: 10_000,
    }).then(() => undefined, (e: unknown) => e)
    t.ok(err instanceof DockerdStartError, 'DockerdStartError')
    if (err instanceof DockerdStartError) {
      t.equal(err.exitCode, 3)
      t.match(err.log, /cannot start: --data-root=/)
    }
    t.same(await findLeftovers({ tmpDirs: [tmpDir] }), [], 'failed start leaves nothing')
  })

  t.test('harness leaves nothing behind', async (t) => {
    t.same(await findLeftovers(seen), [], 'no namespaces, dirs, mounts, processes or cgroups')
  })
})
