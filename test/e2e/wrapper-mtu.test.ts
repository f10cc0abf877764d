/**
 * The product end to end: a real dockerd started through dockerd-autonet in a network namespace
 * whose default route leaves through a 1450-byte veth, next to an up decoy link of 1280 bytes
 * that carries no default route (the "minimum MTU of all interfaces" hack picks the decoy).
 * Containers must get 1450; daemon.json's own "mtu" must be kept without passing --mtu (dockerd
 * refuses a setting given both ways); a broken daemon.json must reach dockerd untouched.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { BUSYBOX_IMAGE, ensureBusyboxImage } from './lib/busybox-image.js'
import { DockerdStartError, startDockerd, type Dockerd } from './lib/dockerd.js'
import { findLeftovers, newSeen } from './lib/leftovers.js'
import type { Teardownable } from './lib/netns.js'
import { hasDefaultNetworkOpt } from './lib/engines.js'
import { forEachEngine } from './lib/matrix.js'
import { podBehindWan } from './lib/topologies.js'
import { WRAPPER } from './lib/wrapper.js'

const EGRESS_MTU = 1450
const DECOY_MTU = 1280

forEachEngine(t, import.meta.url, (t, engine) => {
  t.setTimeout(240_000)
  const seen = newSeen()

  /** pod --eth0 (mtu 1450, 10.201.0.2/24)--> wan (gateway 10.201.0.1); decoy0 (mtu 1280, up, addressed). */
  const pod = (tt: Teardownable) => podBehindWan(tt, {
    seen, egressMtu: EGRESS_MTU, podAddr: '10.201.0.2/24', wanAddrs: ['10.201.0.1/24'],
    decoy: { mtu: DECOY_MTU, addr: '10.201.99.1/24' },
  })

  async function containerMtu(d: Dockerd): Promise<string> {
    await ensureBusyboxImage(d)
    const r = await d.docker(['run', '--rm', BUSYBOX_IMAGE, 'cat', '/sys/class/net/eth0/mtu'])
    if (r.exitCode !== 0) throw new Error(`docker run failed: ${r.stderr}`)
    return r.stdout.trim()
  }

  t.test(`through dockerd-autonet, containers get the egress MTU ${EGRESS_MTU}, not the decoy's ${DECOY_MTU} nor 1500`, async (t) => {
    const topo = await pod(t)
    const d = await startDockerd({ engine, netns: topo.ns('pod'), topology: topo, command: WRAPPER, extraArgs: ['--debug'] })
    seen.tmpDirs.push(d.tmpDir)
    t.equal(await containerMtu(d), String(EGRESS_MTU), 'container eth0 MTU', { log: d.log().slice(-3000) })
    const log = d.log()
    t.match(log, `dockerd-autonet: --mtu=${EGRESS_MTU}: egress eth0 via default route, mtu ${EGRESS_MTU}`, 'the reason line is logged')
    t.notMatch(log, /--mtu=1280/, 'the decoy is not taken')
    // The user's flags reached dockerd in order, ours after them.
    // The dockerd the wrapper found on PATH is the engine's (by name or by its full path).
    const cmd = (await d.inside(['sh', '-c', 'for p in /proc/[0-9]*; do tr "\\0" " " < $p/cmdline 2>/dev/null; echo; done | grep -E "^(\\S*/)?dockerd " || true'])).stdout
    const self = `(${engine.dockerd.replace(/[.+]/g, '\\$&')}|dockerd)`
    const tail = hasDefaultNetworkOpt(engine) ? ` --default-network-opt=bridge=com\\.docker\\.network\\.driver\\.mtu=${EGRESS_MTU}` : ''
    t.match(cmd, new RegExp(`^${self} --data-root=\\S+ --exec-root=\\S+ --host=\\S+ --pidfile=\\S+ --cgroup-parent=\\S+ --debug --mtu=${EGRESS_MTU}${tail} *$`, "m"),
      `dockerd argv: user flags, then --mtu${tail ? ' and --default-network-opt (Engine >= 24)' : ''}`, { cmd })
    await d.stop()
  })

  t.test('daemon.json "mtu" is kept and --mtu is not passed (dockerd would refuse to start)', async (t) => {
    const topo = await pod(t)
    const d = await startDockerd({ engine, netns: topo.ns('pod'), topology: topo, command: WRAPPER, daemonJson: { mtu: 1400 } })
    seen.tmpDirs.push(d.tmpDir)
    t.equal(await containerMtu(d), '1400', 'container eth0 MTU comes from daemon.json')
    t.match(d.log(), 'mtu: keeping daemon.json "mtu": 1400')
    t.notMatch(d.log(), /directives are specified both as a flag and in the configuration file/)
    await d.stop()
  })

  t.test('a malformed daemon.json is named with its position, and dockerd still gets the user args to report it', async (t) => {
    const topo = await pod(t)
    const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), `dan-${topo.id}-bad`))
    seen.tmpDirs.push(tmpDir)
    fs.mkdirSync(path.join(tmpDir, 'etc-docker'))
    fs.writeFileSync(path.join(tmpDir, 'etc-docker', 'daemon.json'), '{\n  "mtu": 1400,\n  "debug": true,\n}\n')
    const err = await startDockerd({ engine, netns: topo.ns('pod'), topology: topo, command: WRAPPER, tmpDir, readyTimeoutMs: 20_000 })
      .then(() => undefined, (e: unknown) => e)
    t.ok(err instanceof DockerdStartError, 'dockerd refuses the file itself')
    if (err instanceof DockerdStartError) {
      t.match(err.log, /dockerd-autonet: .*\/etc\/docker\/daemon\.json.*line 4/, 'our log names the file and the line')
      t.match(err.log, /unable to configure the Docker daemon with file \/etc\/docker\/daemon\.json/, 'dockerd itself ran and reported it')
    }
  })

  t.test('nothing left behind', async (t) => {
    t.same(await findLeftovers(seen), [], 'no namespaces, dirs, mounts, processes or cgroups')
  })
})
