/**
 * The conntrack watch (--autonet-conntrack-watch) with a real UDP stream across a container
 * replacement, each engine with --userland-proxy=false (docker/for-linux#156):
 *
 *   lan (10.60.0.2:40514) --UDP every 100 ms--> pod 10.60.0.1:5514 --DNAT--> container :514
 *
 * Container A publishes 5514->514/udp and receives; A is removed while the sender keeps sending,
 * so packets meet no DNAT rule and conntrack records an untranslated entry; B then publishes the
 * same port. Without the watch that entry keeps matching (the sender refreshes it) and B receives
 * nothing; with it the entry is deleted when B starts and B receives the stream.
 *
 * That is dockerd 20.10. From Engine 23.0 dockerd deletes the UDP entries of a port itself when a
 * container publishes it (moby PR #44742): on 26.1 and 28.5 B receives the stream without the
 * watch, and the test checks that the watch does no harm there (B still receives, the entry is
 * translated to B, the watch reports no failure).
 *
 * Datagrams reaching a container are counted by its kernel (/proc/net/snmp, Udp InDatagrams +
 * NoPorts): the static busybox's nc has no UDP mode, and the count is exact either way.
 */
import t, { type Test } from 'tap'
import { BUSYBOX_IMAGE, ensureBusyboxImage } from './lib/busybox-image.js'
import { startDockerd, type Dockerd } from './lib/dockerd.js'
import { sleep } from './lib/exec.js'
import { conntrackList, runInNetns, showEntry, UDP_SENDER } from './lib/flows.js'
import { findLeftovers, newSeen } from './lib/leftovers.js'
import type { Teardownable, Topology } from './lib/netns.js'
import { forEachEngine } from './lib/matrix.js'
import { flushesPublishedUdpConntrack } from './lib/engines.js'
import { podBehindWan } from './lib/topologies.js'
import { WRAPPER } from './lib/wrapper.js'

const POD_IP = '10.60.0.1'
const SENDER = { ip: '10.60.0.2', port: 40514 }
const HOST_PORT = 5514

forEachEngine(t, import.meta.url, (t, engine) => {
  t.setTimeout(240_000)
  const seen = newSeen()

  /** pod (POD_IP, default via lan) <-> lan (the sender's address). */
  const podAndLan = (tt: Teardownable): Promise<Topology> =>
    podBehindWan(tt, { seen, wan: 'lan', podAddr: `${POD_IP}/24`, wanAddrs: [`${SENDER.ip}/24`] })

  /** UDP datagrams the container's kernel received so far (delivered or port-unreachable). */
  async function udpIn(d: Dockerd, name: string): Promise<number> {
    const r = await d.docker(['exec', name, 'cat', '/proc/net/snmp'], { timeoutMs: 10_000 })
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('Udp:'))
    if (r.exitCode !== 0 || lines.length < 2) throw new Error(`no UDP counters from ${name}: ${r.stderr}`)
    const keys = lines[0].split(/\s+/)
    const vals = lines[1].split(/\s+/).map(Number)
    return vals[keys.indexOf('InDatagrams')] + vals[keys.indexOf('NoPorts')]
  }

  async function waitCount(d: Dockerd, name: string, atLeast: number, ms: number): Promise<number> {
    const end = Date.now() + ms
    let n = await udpIn(d, name)
    while (n < atLeast && Date.now() < end) {
      await sleep(200)
      n = await udpIn(d, name)
    }
    return n
  }

  async function ip(d: Dockerd, name: string): Promise<string> {
    return (await d.docker(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', name])).stdout.trim()
  }

  /** The sender's entry in pod's table, as one line. */
  async function senderEntry(topo: Topology): Promise<{ line: string, replySrc: string } | undefined> {
    const e = (await conntrackList(topo, 'pod')).find((x) => x.proto === 'udp' && x.orig.src === SENDER.ip && x.orig.sport === SENDER.port && x.orig.dport === HOST_PORT)
    return e && { line: showEntry(e), replySrc: e.reply.src }
  }

  /** The whole scenario; returns what B received in `windowMs` after it started. */
  async function replaceUnderStream(t: Test, watch: boolean): Promise<{ d: Dockerd, topo: Topology, bReceived: number, entryAfter: string | undefined, bIp: string }> {
    const topo = await podAndLan(t)
    const d = await startDockerd({ engine,
      netns: topo.ns('pod'), topology: topo, command: WRAPPER,
      extraArgs: ['--userland-proxy=false', ...(watch ? ['--autonet-conntrack-watch'] : [])],
    })
    seen.tmpDirs.push(d.tmpDir)
    await ensureBusyboxImage(d)
    const run = (name: string) => d.docker(['run', '-d', '--name', name, '-p', `${HOST_PORT}:514/udp`, BUSYBOX_IMAGE, 'sleep', '300'])

    const runA = await run('rx-a')
    t.equal(runA.exitCode, 0, 'container a publishes 5514->514/udp', { stderr: runA.stderr })
    const aIp = await ip(d, 'rx-a')
    const sender = runInNetns(topo, 'lan', UDP_SENDER, [SENDER.ip, String(SENDER.port), POD_IP, String(HOST_PORT), '100'])
    await sender.waitFor(/^bound$/)
    t.ok(await waitCount(d, 'rx-a', 5, 5_000) >= 5, 'a receives the stream')
    t.match(await senderEntry(topo), { replySrc: aIp }, `the flow is translated to a (${aIp})`)

    t.equal((await d.docker(['rm', '-f', 'rx-a'])).exitCode, 0, 'a removed; the sender keeps sending')
    await sleep(1_500)
    const gap = await senderEntry(topo)
    t.comment(`while no container publishes ${HOST_PORT}: ${gap?.line}`)
    t.match(gap, { replySrc: POD_IP }, 'dockerd cleared a\'s entry on removal; the next datagrams made an untranslated one')

    const runB = await run('rx-b')
    t.equal(runB.exitCode, 0, 'container b publishes the same port', { stderr: runB.stderr })
    const started = Date.now()
    const bIp = await ip(d, 'rx-b')
    // A fixed window (the sender sends ~30 datagrams in it), polled to see when the first arrives.
    const windowMs = 3_000
    let bReceived = await udpIn(d, 'rx-b')
    let firstAfterMs: number | null = bReceived > 0 ? Date.now() - started : null
    while (Date.now() - started < windowMs) {
      await sleep(200)
      bReceived = await udpIn(d, 'rx-b')
      if (bReceived > 0 && firstAfterMs === null) firstAfterMs = Date.now() - started
    }
    const entryAfter = (await senderEntry(topo))?.line
    t.comment(`b (${bIp}) received ${bReceived} datagrams in the ${Date.now() - started} ms after \`docker run\` returned` +
      `${firstAfterMs === null ? '' : ` (first seen after ${firstAfterMs} ms)`}; entry now: ${entryAfter}`)
    await sender.stop()
    return { d, topo, bReceived, entryAfter, bIp }
  }

  const engineFlushes = flushesPublishedUdpConntrack(engine)
  const watchLog = (d: Dockerd) => ({ log: d.log().split('\n').filter((l) => l.includes('dockerd-autonet')).join('\n') })

  if (!engineFlushes) {
    t.test(`without the watch, the new container receives nothing: the untranslated entry wins (${engine.label} flushes nothing on publish)`, async (t) => {
      const { d, bReceived, entryAfter } = await replaceUnderStream(t, false)
      t.equal(bReceived, 0, 'b received no datagram')
      t.match(entryAfter, `/ ${POD_IP}:${HOST_PORT} ->`, 'the sender\'s entry still replies from the pod itself (never translated)')
      t.notMatch(d.log(), /conntrack watch/, 'no watch without the option')
    })

    t.test('with --autonet-conntrack-watch, the new container receives the stream', async (t) => {
      const { d, bReceived, entryAfter, bIp } = await replaceUnderStream(t, true)
      t.ok(bReceived >= 10, `b received the stream (${bReceived} datagrams)`)
      t.match(entryAfter, `/ ${bIp}:514 ->`, 'the sender\'s entry is now translated to b')
      t.match(d.log(), /conntrack watch: following container starts on unix:\/\//, 'the watch started')
      t.match(d.log(), new RegExp(`conntrack watch: container [0-9a-f]{12} \\(rx-b\\) publishes ${HOST_PORT}->514/udp at ${bIp.replace(/\./g, '\\.')}: deleted 1 entry that bypassed its DNAT \\(${SENDER.ip.replace(/\./g, '\\.')}:${SENDER.port} -> ${POD_IP.replace(/\./g, '\\.')}:${HOST_PORT} \\(reply from ${POD_IP.replace(/\./g, '\\.')}\\)\\)`),
        'the watch names the entry it deleted', watchLog(d))
      t.notMatch(d.log(), /container [0-9a-f]{12} \(rx-a\) publishes.*deleted/, 'nothing deleted when a started (no stale entry then)')
      const wrapperPid = d.pid
      await d.stop()
      t.throws(() => process.kill(wrapperPid, 0), 'the resident wrapper exited with dockerd')
      t.same(await findLeftovers({ tmpDirs: [d.tmpDir] }), [])
    })
  } else {
    t.test(`${engine.label} flushes the published port's UDP conntrack itself (moby#44742): the new container receives the stream without the watch`, async (t) => {
      const { d, bReceived, entryAfter, bIp } = await replaceUnderStream(t, false)
      t.ok(bReceived >= 10, `b received the stream (${bReceived} datagrams)`)
      t.match(entryAfter, `/ ${bIp}:514 ->`, 'the sender\'s entry is translated to b: dockerd deleted the untranslated one')
      t.notMatch(d.log(), /conntrack watch/, 'no watch without the option')
    })

    t.test(`${engine.label} with --autonet-conntrack-watch: the watch does no harm, the new container still receives the stream`, async (t) => {
      const { d, bReceived, entryAfter, bIp } = await replaceUnderStream(t, true)
      t.ok(bReceived >= 10, `b received the stream (${bReceived} datagrams)`)
      t.match(entryAfter, `/ ${bIp}:514 ->`, 'the sender\'s entry is translated to b')
      t.match(d.log(), /conntrack watch: following container starts on unix:\/\//, 'the watch started')
      // dockerd usually deletes the entry before the start event reaches the watch; either way is fine.
      t.comment(`watch deleted an entry itself: ${/\(rx-b\) publishes .*: deleted 1 entry/.test(d.log())}`)
      t.notMatch(d.log(), /conntrack watch stopped|conntrack watch: container [0-9a-f]{12}: /, 'the watch reported no failure', watchLog(d))
      const wrapperPid = d.pid
      await d.stop()
      t.throws(() => process.kill(wrapperPid, 0), 'the resident wrapper exited with dockerd')
      t.same(await findLeftovers({ tmpDirs: [d.tmpDir] }), [])
    })
  }

  t.test('nothing is left behind', async (t) => {
    t.same(await findLeftovers(seen), [])
  })
})
