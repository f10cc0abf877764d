/**
 * The seeds' failing workload, `docker build` with a RUN step that downloads (`RUN bundle
 * install`, `npm install`, `pecl install`), in the PMTU black hole of lib/topologies.ts, with
 * both builders the engines have: the legacy one (`DOCKER_BUILDKIT=0 docker build`) and BuildKit
 * (`docker buildx build`, the suite's buildx plugin; Debian's 20.10 CLI uses trixie's).
 *
 * Per engine, both sides:
 *  - plain dockerd: each build's download stalls until the RUN step's bound (exit 143), the
 *    small response having passed, and the router dropped the ICMP that would have rescued it;
 *  - through dockerd-autonet: each build completes, the RUN step's `sha256sum -c` and the built
 *    image's /blob both match the server's file, and no packet reached the hole.
 * The RUN container sits on the default bridge for both builders, so it gets --mtu.
 */
import t from 'tap'
import { BUSYBOX_IMAGE } from './lib/busybox-image.js'
import { buildInHole, holeAndDaemon, CUT_BY_TIMEOUT, type BuildResult, type Builder } from './lib/clients.js'
import { findLeftovers, newSeen } from './lib/leftovers.js'
import { forEachEngine } from './lib/matrix.js'

/** Bound of the RUN step's download; a completing one takes well under a second here. */
const STALL_S = 20
const BUILDERS: Builder[] = ['legacy', 'buildkit']

forEachEngine(t, import.meta.url, (t, engine) => {
  t.setTimeout(300_000)
  const seen = newSeen()

  const diag = (b: BuildResult) => ({ output: b.output.slice(-2500) })

  t.test(`plain ${engine.label}: docker build stalls in the black hole, legacy builder and BuildKit`, async (t) => {
    const { h, d } = await holeAndDaemon(t, engine, false, seen)
    for (const builder of BUILDERS) {
      const b = await buildInHole(d, h, { builder, image: BUSYBOX_IMAGE, timeoutS: STALL_S, tag: `stall-${builder}:1` })
      t.equal(b.mtu, 1500, `${builder}: the RUN container has dockerd's default MTU 1500`, diag(b))
      t.ok(b.smallOk, `${builder}: a small response passes (the path itself works)`, diag(b))
      t.not(b.exitCode, 0, `${builder}: the build fails`, diag(b))
      t.match(b.output, new RegExp(`(code|exit code): ${CUT_BY_TIMEOUT}\\b`), `${builder}: because the download was cut by its ${STALL_S} s bound (exit ${CUT_BY_TIMEOUT})`, diag(b))
      t.ok(b.wallMs >= STALL_S * 1000 * 0.9, `${builder}: after stalling the whole bound (${Math.round(b.wallMs)} ms)`, diag(b))
    }
    t.ok(await h.icmpDropped() > 0, 'the router emitted "fragmentation needed" and its firewall dropped it')
  })

  t.test(`${engine.label} through dockerd-autonet: docker build completes, legacy builder and BuildKit, checksum verified`, async (t) => {
    const { h, d } = await holeAndDaemon(t, engine, true, seen)
    t.match(d.log(), `dockerd-autonet: --mtu=${h.podMtu}: egress eth0`, 'the wrapper planned --mtu for the egress', { log: d.log().slice(-3000) })
    for (const builder of BUILDERS) {
      const b = await buildInHole(d, h, { builder, image: BUSYBOX_IMAGE, timeoutS: STALL_S, tag: `ok-${builder}:1` })
      t.equal(b.mtu, h.podMtu, `${builder}: the RUN container has the egress MTU ${h.podMtu}`, diag(b))
      t.equal(b.exitCode, 0, `${builder}: the build completes (its RUN step checked the SHA-256)`, diag(b))
      t.match(b.output, /\/blob: OK/, `${builder}: sha256sum -c said OK`, diag(b))
      t.equal(b.imageSha256, h.sha256, `${builder}: /blob in the built image matches the server's file`, diag(b))
    }
    t.equal(await h.icmpDropped(), 0, 'no oversized packet ever reached the hole')
  })

  t.test('nothing is left behind', async (t) => {
    t.same(await findLeftovers(seen), [], 'no namespaces, dirs, mounts, processes or cgroups')
  })
})
