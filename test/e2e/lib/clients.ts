/**
 * The seeds' real workloads, run in the PMTU black hole (lib/topologies.ts): `docker build`
 * whose RUN step downloads (legacy builder and BuildKit), and `docker compose up` for a project
 * with one service on the project's default network and one on a second named network.
 *
 * Every download is bounded inside the container by busybox `timeout` (so the client returns on
 * its own; a killed CLI would leave its plugin running) and checked by SHA-256 against the
 * server's file. A download cut by the bound exits 143 (SIGTERM).
 */
import fs from 'node:fs'
import path from 'node:path'
import { ensureBusyboxImage } from './busybox-image.js'
import { shq } from './exec.js'
import { startDockerd, type Dockerd } from './dockerd.js'
import type { Engine } from './engines.js'
import type { Seen } from './leftovers.js'
import type { Teardownable } from './netns.js'
import { buildBlackHole, type BlackHole } from './topologies.js'
import { WRAPPER } from './wrapper.js'

/** Exit status of a command cut by busybox `timeout` (128 + SIGTERM). */
export const CUT_BY_TIMEOUT = 143

/**
 * A fresh black hole (lib/topologies.ts) with one daemon of `engine` in its pod, plain or
 * through dockerd-autonet, the busybox image imported; both recorded in `seen` for the file's
 * final leftovers check and removed with the topology (registered on `t`).
 */
export async function holeAndDaemon(t: Teardownable, engine: Engine, autonet: boolean, seen: Seen): Promise<{ h: BlackHole; d: Dockerd }> {
  const h = await buildBlackHole({ t })
  seen.netns.push(h.topo.prefix)
  seen.tmpDirs.push(h.wwwDir)
  const d = await startDockerd({ engine, netns: h.topo.ns('pod'), topology: h.topo, command: autonet ? WRAPPER : undefined })
  seen.tmpDirs.push(d.tmpDir)
  await ensureBusyboxImage(d)
  return { h, d }
}

export type Builder = 'legacy' | 'buildkit'

export interface BuildResult {
  builder: Builder
  /** The client's exit status: 0 when the image was built. */
  exitCode: number
  /** Wall time of the whole build, ms. */
  wallMs: number
  /** What the RUN step printed about itself (mtu=..., small=...), when it got that far. */
  mtu: number | null
  smallOk: boolean
  /** SHA-256 of /blob in the built image (read back with docker run), or null if not built. */
  imageSha256: string | null
  output: string
}

/**
 * Builds an image whose RUN step fetches the small file, then the large one under `timeout
 * timeoutS`, and verifies its checksum (`sha256sum -c`, so a wrong file fails the build too).
 * legacy: `DOCKER_BUILDKIT=0 docker build`; buildkit: `docker buildx build` (the engine's buildx
 * plugin, default builder = the daemon itself, so the image lands in its store).
 */
export async function buildInHole(d: Dockerd, h: BlackHole, o: { builder: Builder; image: string; timeoutS: number; tag: string }): Promise<BuildResult> {
  const ctx = path.join(d.tmpDir, `build-${o.tag.replace(/[^a-z0-9]/g, '-')}`)
  fs.mkdirSync(ctx, { recursive: true })
  // NONCE: a fresh step each time, never a cache hit from an earlier build of the same daemon.
  fs.writeFileSync(path.join(ctx, 'Dockerfile'), `FROM ${o.image}
ARG NONCE
RUN echo "nonce=$NONCE mtu=$(cat /sys/class/net/eth0/mtu) small=$(wget -q -O - ${shq(h.smallUrl)})" \\
 && timeout ${o.timeoutS} wget -q -O /blob ${shq(h.url)} \\
 && echo "${h.sha256}  /blob" | sha256sum -c -
`)
  const nonce = `${Date.now()}-${Math.random().toString(36).slice(2)}`
  const args = o.builder === 'legacy'
    ? ['build', '--build-arg', `NONCE=${nonce}`, '-t', o.tag, ctx]
    : ['buildx', 'build', '--progress=plain', '--build-arg', `NONCE=${nonce}`, '-t', o.tag, ctx]
  const env = o.builder === 'legacy' ? { DOCKER_BUILDKIT: '0' } : { DOCKER_BUILDKIT: undefined }
  const t0 = process.hrtime.bigint()
  const r = await d.docker(args, { env, timeoutMs: (o.timeoutS + 120) * 1000 })
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6
  const output = `${r.stdout}${r.stderr}`
  const m = /mtu=(\d+) small=(\S*)/.exec(output)
  let imageSha256: string | null = null
  if (r.exitCode === 0) {
    const s = await d.docker(['run', '--rm', o.tag, 'sha256sum', '/blob'])
    imageSha256 = s.exitCode === 0 ? s.stdout.split(/\s+/)[0] : null
  }
  return {
    builder: o.builder, exitCode: r.exitCode, wallMs, mtu: m ? Number(m[1]) : null,
    smallOk: m?.[2] === h.smallText, imageSha256, output,
  }
}

/** What one compose service reported. */
export interface ServiceResult {
  mtu: number | null
  smallOk: boolean
  /** wget's status under `timeout` (143: cut by it). */
  exit: number | null
  sha256: string | null
}

export interface ComposeResult {
  /** `docker compose up`'s exit status. */
  exitCode: number
  wallMs: number
  /** Per service ('onDefault', 'onSecond'). */
  services: Record<'onDefault' | 'onSecond', ServiceResult>
  /** `com.docker.network.driver.mtu` of each project network as the daemon has it (null: not set). */
  networkMtu: Record<'default' | 'second', string | null>
  output: string
}

/**
 * `docker compose up` of a project with service onDefault on the project's default network and
 * onSecond on the named network `second`, each reading its eth0 MTU, fetching the small file,
 * then the large one under `timeout timeoutS`; then reads the services' results from up's
 * attached output and the networks' MTU option, and takes the project down.
 */
export async function composeUpInHole(d: Dockerd, h: BlackHole, o: { image: string; timeoutS: number; project: string }): Promise<ComposeResult> {
  const dir = path.join(d.tmpDir, `compose-${o.project}`)
  fs.mkdirSync(dir, { recursive: true })
  const script = [
    'echo "mtu=$(cat /sys/class/net/eth0/mtu)"',
    `echo "small=$(wget -q -O - ${h.smallUrl})"`,
    `timeout ${o.timeoutS} wget -q -O /tmp/f ${h.url}`,
    'echo "exit=$?"',
    'echo "sha256=$(sha256sum /tmp/f | cut -d" " -f1)"',
  ].join('; ')
  // JSON is YAML: no quoting questions for the script.
  const service = (networks?: string[]) => ({ image: o.image, command: ['sh', '-c', script], ...(networks ? { networks } : {}) })
  fs.writeFileSync(path.join(dir, 'compose.yaml'), JSON.stringify({
    name: o.project,
    services: { onDefault: service(), onSecond: service(['second']) },
    networks: { second: {} },
  }, null, 2))
  const compose = (args: string[], timeoutMs = 60_000) => d.docker(['compose', '--ansi', 'never', '-f', path.join(dir, 'compose.yaml'), ...args], { cwd: dir, timeoutMs })
  const t0 = process.hrtime.bigint()
  const up = await compose(['up', '--no-color'], (o.timeoutS + 120) * 1000)
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6
  // Each service's lines come prefixed "onDefault-1  | ..." in up's attached output.
  const kv = { onDefault: new Map<string, string>(), onSecond: new Map<string, string>() }
  // eslint-disable-next-line no-control-regex
  for (const raw of up.stdout.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').split('\n')) {
    const m = /^(onDefault|onSecond)-\d+\s*\|\s?([a-z0-9]+)=(.*)$/.exec(raw.trim())
    if (m) kv[m[1] as 'onDefault' | 'onSecond'].set(m[2], m[3].trim())
  }
  const services = {} as ComposeResult['services']
  for (const s of ['onDefault', 'onSecond'] as const) {
    const get = (k: string) => kv[s].get(k)
    const num = (k: string) => (get(k) && Number.isFinite(Number(get(k))) ? Number(get(k)) : null)
    services[s] = { mtu: num('mtu'), smallOk: get('small') === h.smallText, exit: num('exit'), sha256: get('sha256') || null }
  }
  const networkMtu = {} as ComposeResult['networkMtu']
  for (const n of ['default', 'second'] as const) {
    const r = await d.docker(['network', 'inspect', '--format', '{{index .Options "com.docker.network.driver.mtu"}}', `${o.project}_${n}`])
    const v = r.stdout.trim()
    networkMtu[n] = r.exitCode === 0 && v !== '' && v !== '<no value>' ? v : null
  }
  await compose(['down', '--timeout', '1'])
  return { exitCode: up.exitCode, wallMs, services, networkMtu, output: `${up.stdout}${up.stderr}` }
}
