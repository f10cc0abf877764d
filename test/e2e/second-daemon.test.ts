/**
 * A second dockerd next to a first one in the same network namespace (a CI agent's own daemon
 * beside the host's), the second one through the wrapper with --autonet-bridge=br-ci=10.99.0.1/24:
 * the wrapper creates br-ci (address, fixed MAC from birth) and passes --bridge=br-ci, so the
 * second daemon never touches the first one's docker0. Both daemons program iptables in the
 * same namespace; containers of both must reach a server in `wan`. On dockerd 28.5 they do not:
 * daemon 2's start rebuilds the DOCKER-FORWARD chains and drops daemon 1's rules (a known limit,
 * asserted as it is, see below).
 */
import t, { type Test } from 'tap'
import { stableBridgeMac } from '../../src/net/bridge-mac.js'
import { BUSYBOX_IMAGE, ensureBusyboxImage } from './lib/busybox-image.js'
import { startDockerd, type Dockerd } from './lib/dockerd.js'
import { conntrackList } from './lib/flows.js'
import { runInNetns } from './lib/flows.js'
import { findLeftovers, newSeen } from './lib/leftovers.js'
import type { Teardownable } from './lib/netns.js'
import { forEachEngine } from './lib/matrix.js'
import { podBehindWan } from './lib/topologies.js'
import { WRAPPER } from './lib/wrapper.js'

const WAN_SERVER = '198.18.0.1'

/** In wan: HTTP on :8080 answering with the client's address; TCP on :9000 holding connections open. */
const SERVER = `
const http = require('http'), net = require('net')
http.createServer((req, res) => res.end('hello ' + req.socket.remoteAddress + '\\n')).listen(8080, '${WAN_SERVER}', () => {
  net.createServer((c) => { c.on('error', () => {}) }).listen(9000, '${WAN_SERVER}', () => console.log('ready'))
})
`

forEachEngine(t, import.meta.url, (t, engine) => {
  t.setTimeout(300_000)
  const seen = newSeen()

  /** pod --eth0 (10.200.0.2)--> wan (10.200.0.1, server on 198.18.0.1). */
  const pod = (tt: Teardownable) => podBehindWan(tt, { seen, wanServerIp: WAN_SERVER })

  async function fetchFromContainer(d: Dockerd, timeoutMs = 60_000): Promise<{ exitCode: number, out: string }> {
    // Not `wget -T`: this busybox's wget crashes with it; timeout(1) bounds it instead.
    const r = await d.docker(['run', '--rm', BUSYBOX_IMAGE, 'timeout', '10', 'wget', '-q', '-O', '-', `http://${WAN_SERVER}:8080/`], { timeoutMs })
    return { exitCode: r.exitCode, out: (r.stdout + r.stderr).trim() }
  }

  async function link(d: Dockerd, dev: string): Promise<{ mac: string, assign: number }> {
    const cat = async (f: string) => (await d.inside(['cat', `/sys/class/net/${dev}/${f}`])).stdout.trim()
    return { mac: await cat('address'), assign: Number(await cat('addr_assign_type')) }
  }

  /** The wrapper's own log lines. */
  const ours = (d: Dockerd) => d.log().split('\n').filter((l) => l.startsWith('dockerd-autonet:'))

  t.test('two daemons in one namespace: docker0 for the first, br-ci made by the wrapper for the second', async (t) => {
    const topo = await pod(t)
    const server = runInNetns(topo, 'wan', SERVER, [], 240)
    await server.waitFor(/^ready$/)

    const d1 = await startDockerd({ engine, netns: topo.ns('pod'), topology: topo, command: WRAPPER })
    seen.tmpDirs.push(d1.tmpDir)
    await ensureBusyboxImage(d1)
    const docker0 = await link(d1, 'docker0')
    t.match(await fetchFromContainer(d1), { exitCode: 0, out: 'hello 10.200.0.2' }, 'daemon 1: a container reaches wan, masqueraded')
    // A live, idle TCP connection of daemon 1's container, to see what daemon 2's start does to it.
    // nc ends at end of input: feed it from a sleep so the connection stays open and idle.
    const holder = await d1.docker(['run', '-d', BUSYBOX_IMAGE, 'sh', '-c', `sleep 600 | nc ${WAN_SERVER} 9000`])
    t.equal(holder.exitCode, 0, 'daemon 1: a container holds a TCP connection to wan')
    const holderIp = (await d1.docker(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', holder.stdout.trim()])).stdout.trim()
    const live = async () => (await conntrackList(topo, 'pod')).some((e) => e.proto === 'tcp' && e.orig.src === holderIp && e.orig.dport === 9000)
    for (let i = 0; i < 25 && !(await live()); i++) await new Promise((r) => setTimeout(r, 200))
    t.ok(await live(), `its conntrack entry (${holderIp} -> ${WAN_SERVER}:9000) is there`)

    // A port daemon 1 publishes, reached from wan (DNAT in the DOCKER chains both daemons program).
    t.equal((await d1.docker(['run', '-d', '-p', '8081:80', BUSYBOX_IMAGE, 'httpd', '-f', '-p', '80', '-h', '/etc'])).exitCode, 0)
    const published = async () => (await topo.exec('wan', ['timeout', '10', 'busybox', 'wget', '-q', '-O', '-', 'http://10.200.0.2:8081/group'])).stdout
    let before = ''
    for (let i = 0; i < 25 && !before.includes('root:'); i++) { before = await published(); if (!before) await new Promise((r) => setTimeout(r, 200)) }
    t.match(before, /^root:/, 'wan reaches a port published by daemon 1')

    const d2 = await startDockerd({ engine, netns: topo.ns('pod'), topology: topo, command: WRAPPER, extraArgs: ['--autonet-bridge=br-ci=10.99.0.1/24'] })
    seen.tmpDirs.push(d2.tmpDir)
    // dockerd 20.10 flushes the DOCKER chains at start (removeIPChains), the other daemon's DNAT
    // rules included; the port still answers through docker-proxy (userland-proxy is on by default).
    // With --userland-proxy=false on daemon 1 it does not (checked by hand; docs/bridge-mac.md).
    t.comment(`nat DOCKER chain after daemon 2 started: ${(await topo.iptables('pod', ['-t', 'nat', '-S', 'DOCKER'])).trim().split('\n').join(' | ')}`)
    t.match(await published(), /^root:/, 'daemon 1\'s published port still answers (docker-proxy)')
    const mac = stableBridgeMac('br-ci', [])
    t.match(d2.log(), `created bridge br-ci with MAC ${mac}`, 'the wrapper created br-ci', { log: ours(d2) })
    t.match(d2.log(), /starting: dockerd .* --bridge=br-ci/, 'and told dockerd to use it')
    t.same(await link(d2, 'br-ci'), { mac, assign: 3 }, 'br-ci has its MAC from birth (NET_ADDR_SET)')
    t.match(await topo.ip('pod', ['-4', '-o', 'addr', 'show', 'dev', 'br-ci']), /inet 10\.99\.0\.1\/24 /)
    t.same(await link(d2, 'docker0'), docker0, 'docker0 untouched')
    t.match(await topo.ip('pod', ['-4', '-o', 'addr', 'show', 'dev', 'docker0']), /inet 172\.17\.0\.1\/16 /, 'docker0 keeps its address')
    // docker0 has daemon 1's containers attached, so its range is not stale for daemon 2's clean-up.
    t.ok(await live(), 'daemon 1\'s live flow survives daemon 2\'s start')
    t.match(d2.log(), /not stale: 172\.17\.0\.0\/16 \(overlaps docker0, in use by \d+ ports?\)/, 'and the log says why', { log: ours(d2) })
    t.comment(`daemon 2's wrapper: ${ours(d2).filter((l) => l.includes('conntrack')).join(' | ') || 'no conntrack line'}`)

    await ensureBusyboxImage(d2)
    t.match(await fetchFromContainer(d2), { exitCode: 0, out: 'hello 10.200.0.2' }, 'daemon 2: a container on br-ci reaches wan, masqueraded')
    const ip2 = await d2.docker(['run', '--rm', BUSYBOX_IMAGE, 'sh', '-c', 'ip -4 -o addr show dev eth0'])
    t.match(ip2.stdout, /inet 10\.99\.0\.\d+\/24/, 'daemon 2 hands out addresses of br-ci')
    const filter = await topo.iptables('pod', ['-S'])
    t.comment(`filter rules after daemon 2 started: ${filter.trim().split('\n').join(' | ')}`)
    if (engine.major < 28) {
      t.match(await fetchFromContainer(d1), { exitCode: 0, out: 'hello 10.200.0.2' }, 'daemon 1 still reaches wan after daemon 2 set up its iptables')
    } else {
      // KNOWN LIMIT, found by this test on 28.5: from Engine 28.0 dockerd keeps its forwarding
      // rules in its own DOCKER-FORWARD/DOCKER-CT/DOCKER-BRIDGE chains and rebuilds them at start,
      // so daemon 2's start drops daemon 1's docker0 rules; with FORWARD's policy DROP daemon 1's
      // containers lose the outside. The wrapper does not fix this (yet): asserted as it is.
      t.notMatch(filter, /-i docker0/, `${engine.label}: daemon 2's start removed daemon 1's docker0 forwarding rules (KNOWN LIMIT)`)
      const cut = await fetchFromContainer(d1, 30_000)
      t.not(cut.exitCode, 0, `${engine.label}: so daemon 1's container no longer reaches wan (KNOWN LIMIT of two daemons in one namespace)`, { cut })
    }
    t.notMatch(ours(d2).join('\n'), /warn:|error:/, 'no warning or error from the wrapper', { log: ours(d2) })

    // Restart the second daemon: nothing to create, same MAC, no complaint.
    await d2.stop()
    t.same(await link(d1, 'br-ci'), { mac, assign: 3 }, 'br-ci outlives its daemon (dockerd does not delete a bridge given with --bridge)')
    const d2b = await startDockerd({ engine, netns: topo.ns('pod'), topology: topo, command: WRAPPER, extraArgs: ['--autonet-bridge=br-ci=10.99.0.1/24'] })
    seen.tmpDirs.push(d2b.tmpDir)
    t.match(d2b.log(), 'bridge br-ci exists with 10.99.0.1/24: nothing to create', 'restart: nothing to create', { log: ours(d2b) })
    t.notMatch(d2b.log(), /created bridge|added 10\.99/, 'nothing created or added')
    t.notMatch(ours(d2b).join('\n'), /warn:|error:/, 'no warning or error')
    t.match(d2b.log(), /starting: dockerd .* --bridge=br-ci/)
    t.same(await link(d2b, 'br-ci'), { mac, assign: 3 }, 'same MAC after the restart')
    t.equal((await topo.ip('pod', ['-4', '-o', 'addr', 'show', 'dev', 'br-ci'])).trim().split('\n').length, 1, 'still one address on br-ci')
    await ensureBusyboxImage(d2b)
    t.match(await fetchFromContainer(d2b), { exitCode: 0, out: 'hello 10.200.0.2' }, 'the restarted daemon\'s containers reach wan')
    await server.stop()
  })

  t.test('a clash (br-ci exists with another address) is a warning naming both; dockerd uses br-ci as it is, never docker0', async (t) => {
    const topo = await pod(t)
    await topo.addLink('pod', 'br-ci', 'bridge')
    await topo.addAddr('pod', 'br-ci', '10.98.0.1/24')
    const d = await startDockerd({ engine, netns: topo.ns('pod'), topology: topo, command: WRAPPER, extraArgs: ['--autonet-bridge=br-ci=10.99.0.1/24'] })
    seen.tmpDirs.push(d.tmpDir)
    t.match(d.log(), /dockerd-autonet: warn: --autonet-bridge=br-ci=10\.99\.0\.1\/24: br-ci exists with 10\.98\.0\.1\/24, not 10\.99\.0\.1\/24; dockerd uses it as it is/,
      'the warning names the bridge, the wanted and the existing address', { log: ours(d) })
    t.match(d.log(), /starting: dockerd .*--bridge=br-ci/, 'dockerd pointed at br-ci, not left on docker0')
    t.equal((await d.docker(['version', '--format', '{{.Server.Version}}'])).exitCode, 0, 'dockerd is up')
    await ensureBusyboxImage(d)
    const ip = await d.docker(['run', '--rm', BUSYBOX_IMAGE, 'sh', '-c', 'ip -4 -o addr show dev eth0'])
    t.match(ip.stdout, /inet 10\.98\.0\.\d+\/24/, 'containers get addresses of the existing br-ci')
    t.match(await topo.ip('pod', ['-4', '-o', 'addr', 'show', 'dev', 'br-ci']), /inet 10\.98\.0\.1\/24 /, 'br-ci left as it was')
    t.notMatch(await topo.ip('pod', ['-4', '-o', 'addr', 'show', 'dev', 'br-ci']), /10\.99\./, 'and not given the wanted address')
  })

  t.test('nothing is left behind', async (t: Test) => {
    t.same(await findLeftovers(seen), [])
  })
})
