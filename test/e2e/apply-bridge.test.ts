/**
 * The bridge appliers (src/apply/bridge-mac.ts, src/apply/create-bridge.ts) against a real kernel
 * bridge in a namespace of our own: the Runner prefixes `ip netns exec NS`, sysfs is read through
 * `ip netns exec NS cat` (which remounts /sys for that namespace).
 *
 * What the kernel does, checked here rather than assumed:
 * - a bridge created without an address gets a random one (addr_assign_type 1) and then follows
 *   the lowest MAC of its ports (00:00:00:00:00:00 once the last port is gone);
 * - `ip link set dev BR address MAC` makes it NET_ADDR_SET (3), after which ports no longer move it;
 * - `ip link add NAME address MAC type bridge` is NET_ADDR_SET from birth.
 */
import t from 'tap'
import { ensureBridgeMac } from '../../src/apply/bridge-mac.js'
import { ensureBridge } from '../../src/apply/create-bridge.js'
import { memoryLogger } from '../../src/log.js'
import { defaultRunner, type Runner } from '../../src/tools/runner.js'
import { findLeftovers, newSeen } from './lib/leftovers.js'
import { createTopology, type Teardownable, type Topology } from './lib/netns.js'
import { engineFree } from './lib/matrix.js'
import { requireE2E } from './lib/preflight.js'

const PIN = '02:5a:00:00:00:01'

if (requireE2E(t)) {
  // The wrapper's own bridge code against the kernel: no dockerd, so one run, not one per engine.
  engineFree(t, import.meta.url)
  t.setTimeout(120_000)
  const seen = newSeen()

  async function bench(tt: Teardownable): Promise<{ topo: Topology, run: Runner, sysfs: (p: string) => Promise<string>, read: (dev: string) => Promise<{ mac: string, assign: number }> }> {
    const topo = await createTopology({ t: tt })
    seen.netns.push(topo.prefix)
    const ns = await topo.addNetns('br')
    const run: Runner = (cmd, args) => defaultRunner('ip', ['netns', 'exec', ns, cmd, ...args])
    const sysfs = async (path: string) => {
      const r = await defaultRunner('ip', ['netns', 'exec', ns, 'cat', path])
      if (r.exitCode !== 0) throw Object.assign(new Error(r.stderr ?? 'cat failed'), { code: 'ENOENT' })
      return r.stdout
    }
    const read = async (dev: string) => ({
      mac: (await sysfs(`/sys/class/net/${dev}/address`)).trim(),
      assign: Number((await sysfs(`/sys/class/net/${dev}/addr_assign_type`)).trim()),
    })
    return { topo, run, sysfs, read }
  }

  /** Adds a veth pair with `mac` on the bridge side, as a port of `bridge`. */
  async function addPort(topo: Topology, bridge: string, name: string, mac: string): Promise<void> {
    await topo.addVeth({ ns: 'br', name, mac, up: false }, { ns: 'br', name: `${name}p` })
    await topo.linkSet('br', name, { master: bridge, up: true })
  }

  t.test('ensureBridgeMac pins a bridge that follows its ports, once', async (t) => {
    const { topo, run, sysfs, read } = await bench(t)
    await topo.addLink('br', 'br-ci', 'bridge')
    await topo.addAddr('br', 'br-ci', '10.77.0.1/24')
    await addPort(topo, 'br-ci', 'pa', '0a:00:00:00:00:20')
    await addPort(topo, 'br-ci', 'pb', '0a:00:00:00:00:10')

    // The other side first: without pinning, the bridge carries its lowest port's MAC and moves.
    const before = await read('br-ci')
    t.equal(before.assign, 1, 'created without an address: random (NET_ADDR_RANDOM)')
    t.equal(before.mac, '0a:00:00:00:00:10', 'follows the lowest port MAC')
    await topo.ip('br', ['link', 'del', 'pb'])
    t.equal((await read('br-ci')).mac, '0a:00:00:00:00:20', 'the lowest port left: the bridge MAC moved')

    const log = memoryLogger()
    t.equal(await ensureBridgeMac('br-ci', PIN, run, log, sysfs), true, 'first call changes it')
    t.same(await read('br-ci'), { mac: PIN, assign: 3 }, 'pinned, NET_ADDR_SET')
    t.match(log.lines.join('\n'), `bridge br-ci: MAC pinned to ${PIN} (was 0a:00:00:00:00:20`)

    const again = memoryLogger()
    t.equal(await ensureBridgeMac('br-ci', PIN.toUpperCase(), run, again, sysfs), false, 'second call: nothing to do (case-insensitive)')
    t.notMatch(again.lines.join('\n'), /pinned to/, 'and says nothing at info level')

    // Ports coming and going no longer move it, whatever their MACs.
    await addPort(topo, 'br-ci', 'pc', '02:00:00:00:00:01')
    t.same(await read('br-ci'), { mac: PIN, assign: 3 }, 'a lower port joined: unchanged')
    await topo.ip('br', ['link', 'del', 'pa'])
    await topo.ip('br', ['link', 'del', 'pc'])
    t.same(await read('br-ci'), { mac: PIN, assign: 3 }, 'every port left: unchanged')
  })

  t.test('ensureBridgeMac with the MAC the bridge already carries still makes it explicit', async (t) => {
    const { topo, run, sysfs, read } = await bench(t)
    await topo.addLink('br', 'br-ci', 'bridge')
    await addPort(topo, 'br-ci', 'pa', '0a:00:00:00:00:30')
    t.same(await read('br-ci'), { mac: '0a:00:00:00:00:30', assign: 1 }, 'inherited, not explicit')
    t.equal(await ensureBridgeMac('br-ci', '0a:00:00:00:00:30', run, memoryLogger(), sysfs), true, 'same MAC, but not set: changed')
    t.same(await read('br-ci'), { mac: '0a:00:00:00:00:30', assign: 3 }, 'setting the equal address still sets NET_ADDR_SET')
    await addPort(topo, 'br-ci', 'pb', '02:00:00:00:00:01')
    t.equal((await read('br-ci')).mac, '0a:00:00:00:00:30', 'a lower port no longer takes over')
  })

  t.test('ensureBridgeMac names the bridge when it is missing or the MAC is refused', async (t) => {
    const { topo, run, sysfs } = await bench(t)
    await t.rejects(ensureBridgeMac('br-nope', PIN, run, memoryLogger(), sysfs), /bridge br-nope: cannot read its MAC .*does it exist\?/)
    await topo.addLink('br', 'br-ci', 'bridge')
    // A multicast address is refused by the kernel (EADDRNOTAVAIL).
    await t.rejects(ensureBridgeMac('br-ci', '03:00:00:00:00:01', run, memoryLogger(), sysfs),
      /bridge br-ci: `ip link set dev br-ci address 03:00:00:00:00:01` failed \(exit \d+/)
  })

  t.test('ensureBridge creates the bridge with its MAC from birth, its address, up; again: no change', async (t) => {
    const { run, sysfs, read } = await bench(t)
    const log = memoryLogger()
    const changes = await ensureBridge('br-ci', '10.99.0.1/24', PIN, run, log)
    t.same(changes, [`created bridge br-ci with MAC ${PIN}`, 'added 10.99.0.1/24 to br-ci'])
    t.same(await read('br-ci'), { mac: PIN, assign: 3 }, '`ip link add … address MAC type bridge` is NET_ADDR_SET right away')
    t.equal(Number((await sysfs('/sys/class/net/br-ci/flags')).trim()) & 1, 1, 'IFF_UP')
    const addrs = (await run('ip', ['-4', '-o', 'addr', 'show', 'dev', 'br-ci'])).stdout
    t.match(addrs, /inet 10\.99\.0\.1\/24 /)

    const again = memoryLogger()
    t.same(await ensureBridge('br-ci', '10.99.0.1/24', PIN, run, again), [], 'second call: nothing to do')
    t.same(again.lines, [], 'and nothing logged')
    t.same(await read('br-ci'), { mac: PIN, assign: 3 })
    t.equal((await run('ip', ['-4', '-o', 'addr', 'show', 'dev', 'br-ci'])).stdout.trim().split('\n').length, 1, 'still one address')
  })

  t.test('ensureBridge brings an existing bridge back up and adds a missing address', async (t) => {
    const { topo, run, read } = await bench(t)
    await topo.ip('br', ['link', 'add', 'name', 'br-ci', 'address', PIN, 'type', 'bridge'])
    t.same(await ensureBridge('br-ci', '10.99.0.1/24', PIN, run, memoryLogger()), ['added 10.99.0.1/24 to br-ci'])
    t.match(await topo.ip('br', ['link', 'show', 'dev', 'br-ci']), /[<,]UP[,>]/, 'set up')
    t.same(await read('br-ci'), { mac: PIN, assign: 3 })
  })

  t.test('nothing is left behind', async (t) => {
    t.same(await findLeftovers(seen), [])
  })
}
