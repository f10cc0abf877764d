/**
 * `docker compose up` (the compose v2 plugin of the engine's suite; trixie's for 20.10) in the
 * PMTU black hole of lib/topologies.ts, for a project with service onDefault on the project's
 * default network and onSecond on a second named network, each downloading the large file.
 * Compose networks are user-defined networks: `--mtu` does not reach them.
 *
 * Per engine, both sides:
 *  - plain dockerd: both services' downloads stall (MTU 1500, exit 143 at the bound);
 *  - through dockerd-autonet, by the path the engine allows:
 *      >= 24: the project networks carry com.docker.network.driver.mtu=1450 (from
 *             --default-network-opt) and the services get MTU 1450 (the MSS clamp is there
 *             too, for networks that option cannot reach);
 *      20.10: the networks stay at 1500 (no --default-network-opt) and the MSS clamp carries
 *             the TCP downloads;
 *    both services complete with the server's SHA-256 and no packet reaches the hole.
 */
import t from 'tap'
import { BUSYBOX_IMAGE } from './lib/busybox-image.js'
import { composeUpInHole, holeAndDaemon, CUT_BY_TIMEOUT, type ComposeResult } from './lib/clients.js'
import { hasDefaultNetworkOpt } from './lib/engines.js'
import { findLeftovers, newSeen } from './lib/leftovers.js'
import { forEachEngine } from './lib/matrix.js'

const STALL_S = 20
const SERVICES = ['onDefault', 'onSecond'] as const

forEachEngine(t, import.meta.url, (t, engine) => {
  t.setTimeout(240_000)
  const seen = newSeen()

  const diag = (c: ComposeResult) => ({ output: c.output.slice(-2500), services: c.services, networkMtu: c.networkMtu })

  t.test(`plain ${engine.label}: docker compose up stalls on both project networks`, async (t) => {
    const { h, d } = await holeAndDaemon(t, engine, false, seen)
    const c = await composeUpInHole(d, h, { image: BUSYBOX_IMAGE, timeoutS: STALL_S, project: 'plain' })
    t.equal(c.exitCode, 0, 'compose up ran the project', diag(c))
    t.same(c.networkMtu, { default: null, second: null }, 'no MTU option on the project networks', diag(c))
    for (const s of SERVICES) {
      const r = c.services[s]
      t.equal(r.mtu, 1500, `${s}: eth0 MTU 1500`, diag(c))
      t.ok(r.smallOk, `${s}: a small response passes`, diag(c))
      t.equal(r.exit, CUT_BY_TIMEOUT, `${s}: the download stalls until its ${STALL_S} s bound`, diag(c))
      t.not(r.sha256, h.sha256, `${s}: no matching checksum`, diag(c))
    }
    t.ok(c.wallMs >= STALL_S * 1000 * 0.9, `up took the whole bound (${Math.round(c.wallMs)} ms)`)
    t.ok(await h.icmpDropped() > 0, 'the router dropped its "fragmentation needed"')
  })

  const path = hasDefaultNetworkOpt(engine)
    ? `the project networks get mtu 1450 from --default-network-opt (Engine ${engine.major}.${engine.minor} >= 24)`
    : `the MSS clamp carries the project networks at 1500 (Engine ${engine.major}.${engine.minor} < 24)`
  t.test(`${engine.label} through dockerd-autonet: docker compose up completes on both project networks: ${path}`, async (t) => {
    const { h, d } = await holeAndDaemon(t, engine, true, seen)
    const c = await composeUpInHole(d, h, { image: BUSYBOX_IMAGE, timeoutS: STALL_S, project: 'autonet' })
    t.equal(c.exitCode, 0, 'compose up ran the project', diag(c))
    const mtu = hasDefaultNetworkOpt(engine) ? h.podMtu : 1500
    if (hasDefaultNetworkOpt(engine)) {
      t.same(c.networkMtu, { default: String(h.podMtu), second: String(h.podMtu) }, `both networks carry com.docker.network.driver.mtu=${h.podMtu}`, diag(c))
    } else {
      t.same(c.networkMtu, { default: null, second: null }, 'the networks carry no MTU option (20.10 has no --default-network-opt)', diag(c))
    }
    t.match(d.log(), 'dockerd-autonet: MSS clamp: forwarded TCP SYNs now clamped', 'the wrapper added the MSS clamp', { log: d.log().slice(-3000) })
    for (const s of SERVICES) {
      const r = c.services[s]
      t.equal(r.mtu, mtu, `${s}: eth0 MTU ${mtu}`, diag(c))
      t.equal(r.exit, 0, `${s}: the download completes`, diag(c))
      t.equal(r.sha256, h.sha256, `${s}: checksum matches the server's`, diag(c))
    }
    t.equal(await h.icmpDropped(), 0, 'no oversized packet ever reached the hole')
  })

  t.test('nothing is left behind', async (t) => {
    t.same(await findLeftovers(seen), [], 'no namespaces, dirs, mounts, processes or cgroups')
  })
})
