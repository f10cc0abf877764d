/**
 * The Docker engines the e2e tests run on, as fixtures fetched by scripts/fetch-engines.sh
 * (Debian's bookworm, trixie and sid packages extracted into a cache outside the clone), never
 * the host's own docker.io. Each engine is a directory with an engine.json manifest:
 *
 *   {"suite","version","dockerd","docker","binDirs":[...],"pluginsDir","packages":[...]}
 *
 * with every path relative to that directory. The harness puts binDirs first on dockerd's PATH
 * (dockerd starts the containerd it finds there, and finds docker-proxy there) and links the
 * CLI plugins (buildx, compose) into each instance's DOCKER_CONFIG/cli-plugins. runc, iptables
 * and conntrack are the host's: they serve all three engines.
 *
 * Which engines: AUTONET_E2E_ENGINES (comma-separated suite names or engine directories),
 * default all of {@link ENGINE_SUITES} in AUTONET_ENGINES_CACHE (default
 * /var/cache/dockerd-autonet/engines, where .ci/run has the script put them).
 */
import fs from 'node:fs'
import path from 'node:path'

export const ENGINES_CACHE = process.env.AUTONET_ENGINES_CACHE ?? '/var/cache/dockerd-autonet/engines'
/** Debian suites and the engine each carries: bookworm 20.10, trixie 26.1, sid 28.5 (at the time of writing). */
export const ENGINE_SUITES = ['bookworm', 'trixie', 'sid'] as const

export interface Engine {
  /** Debian suite the engine came from, e.g. 'trixie'. */
  suite: string
  /** dockerd's version without Debian's suffix, e.g. '26.1.5'. */
  version: string
  major: number
  minor: number
  /** 'dockerd 26.1.5', what test names carry. */
  label: string
  /** Engine directory (holds engine.json). */
  dir: string
  /** Absolute paths. */
  dockerd: string
  docker: string
  /** Put first on dockerd's and the client's PATH (containerd, shims, docker-proxy, docker-init). */
  binDirs: string[]
  /** Holds docker-buildx and docker-compose. */
  pluginsDir: string
}

/** Reads the engine in `dir` from its engine.json; throws naming the file and what is wrong. */
export function readEngine(dir: string): Engine {
  const file = path.join(dir, 'engine.json')
  let raw: unknown
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'))
  } catch (err) {
    throw new Error(`engine ${dir}: cannot read ${file} (run scripts/fetch-engines.sh): ${(err as Error).message}`)
  }
  const m = raw as Record<string, unknown>
  const str = (k: string) => {
    if (typeof m[k] !== 'string' || m[k] === '') throw new Error(`${file}: "${k}" must be a non-empty string`)
    return m[k] as string
  }
  const version = str('version').replace(/[+~].*$/, '')
  const mm = /^(\d+)\.(\d+)/.exec(version)
  if (!mm) throw new Error(`${file}: version "${m.version}" is not a Docker version`)
  if (!Array.isArray(m.binDirs) || !m.binDirs.every((d) => typeof d === 'string')) throw new Error(`${file}: "binDirs" must be a list of paths`)
  const abs = (p: string) => path.resolve(dir, p)
  const engine: Engine = {
    suite: str('suite'), version, major: Number(mm[1]), minor: Number(mm[2]), label: `dockerd ${version}`,
    dir, dockerd: abs(str('dockerd')), docker: abs(str('docker')),
    binDirs: (m.binDirs as string[]).map(abs), pluginsDir: abs(str('pluginsDir')),
  }
  for (const f of [engine.dockerd, engine.docker, ...['docker-buildx', 'docker-compose'].map((p) => path.join(engine.pluginsDir, p))]) {
    try { fs.accessSync(f, fs.constants.X_OK) } catch { throw new Error(`engine ${dir}: ${f} is missing or not executable`) }
  }
  return engine
}

/**
 * Every engine of ENGINE_SUITES, for a test that holds our tables or rules against all of them
 * (an oracle test): a missing one is a failure of `t`, naming the suite and what cannot be
 * checked without it (`what`), never a skip.
 */
export function oracleEngines(t: { fail(message: string): unknown }, what: string): Engine[] {
  const engines: Engine[] = []
  for (const suite of ENGINE_SUITES) {
    try {
      engines.push(readEngine(path.join(ENGINES_CACHE, suite)))
    } catch (err) {
      t.fail(`engine ${suite} is missing, run scripts/fetch-engines.sh (${what} cannot be checked without it): ${(err as Error).message}`)
    }
  }
  return engines
}

/** The engines asked for (see the file comment), or why they cannot be had. */
export function e2eEngines(): { engines: Engine[]; problem?: string } {
  const wanted = (process.env.AUTONET_E2E_ENGINES ?? ENGINE_SUITES.join(',')).split(',').map((s) => s.trim()).filter(Boolean)
  const engines: Engine[] = []
  const problems: string[] = []
  for (const w of wanted) {
    try {
      engines.push(readEngine(w.includes('/') ? path.resolve(w) : path.join(ENGINES_CACHE, w)))
    } catch (err) {
      problems.push((err as Error).message)
    }
  }
  return { engines, problem: problems.length ? problems.join('; ') : undefined }
}

let first: Engine | undefined
/**
 * One engine for the places where any engine will do (the benchmark's start-up stub, the first
 * of AUTONET_E2E_ENGINES otherwise); throws if none is available.
 */
export function anyEngine(): Engine {
  if (first) return first
  const { engines, problem } = e2eEngines()
  if (!engines.length) throw new Error(`no Docker engine available: ${problem}`)
  first = engines[0]
  return first
}

/**
 * Whether the engine takes `--default-network-opt` (daemon.json "default-network-opts"): Docker
 * Engine 24.0 and later (dockerd reference, "Default network options"; moby PR #43197). The
 * tests' own oracle for which path an engine must take: `--default-network-opt` (>= 24) or the
 * MSS clamp (older).
 */
export function hasDefaultNetworkOpt(e: Engine): boolean {
  return e.major >= 24
}

/**
 * Whether dockerd deletes the conntrack entries of a published UDP port when a container
 * publishes it (moby PR #44742, Docker Engine 23.0); 20.10 only clears a removed container's own.
 */
export function flushesPublishedUdpConntrack(e: Engine): boolean {
  return e.major >= 23
}
