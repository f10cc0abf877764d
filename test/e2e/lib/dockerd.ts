/**
 * A real dockerd (or anything that execs one, like bin/dockerd-autonet.js) inside a network
 * namespace of a Topology, fully private to one test.
 *
 * Launch chain (each step execs the next, so the spawned pid ends up being the command itself):
 *
 *   nsenter --net=/run/netns/NS -- unshare --mount --propagation slave -- sh -c SETUP ... COMMAND...
 *
 * SETUP, in the new mount namespace only:
 *   - mounts a fresh sysfs on /sys: sysfs shows the links of the netns of whoever mounts it, and
 *     the host's /sys would show the host's links to dockerd and to the wrapper;
 *   - keeps the cgroup tree by rbind-ing /sys/fs/cgroup aside first and back on top of the new
 *     sysfs afterwards (`ip netns exec` remounts /sys without it, and dockerd then fails with
 *     "Devices cgroup isn't mounted"); securityfs and bpffs likewise when the host has them
 *     (AppArmor hosts need /sys/kernel/security to load docker-default); the old /sys is
 *     detached rather than shadowed so /proc/self/mountinfo stays unambiguous;
 *   - detaches /run/netns, which `ip netns` makes a shared mount: the instance must not pin or
 *     see other tests' namespaces;
 *   - mounts a tmpfs on /run, so containerd's shim sockets (/run/containerd/s), /run/docker and
 *     the xtables lock are per instance and vanish with it;
 *   - bind-mounts TMP/etc-docker on /etc/docker, so dockerd writes key.json there and reads a
 *     daemon.json the test controls instead of the host's.
 *
 * Per-instance flags added after the command: --data-root, --exec-root, -H unix://TMP/docker.sock,
 * --pidfile and --cgroup-parent=/<basename TMP> (containers' cgroups are global; a private parent
 * lets cleanup find and remove them). dockerd starts its own containerd under --exec-root: the one
 * of the engine, first on PATH.
 *
 * The engine (dockerd, its containerd, the docker CLI and its plugins) is a parameter, an
 * {@link Engine} fetched by scripts/fetch-engines.sh; nothing here uses the host's docker.io.
 */
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { track, type Tracked } from './cleanup.js'
import { run, settlesWithin, shq, sleep, type ExecResult } from './exec.js'
import type { Engine } from './engines.js'
import type { Teardownable, Topology } from './netns.js'

export interface StartDockerdOptions {
  /** Real netns name (Topology.ns('pod')). */
  netns: string
  /**
   * The engine: its dockerd is the default command and the `dockerd` a wrapper finds on PATH,
   * its containerd the one dockerd starts, its CLI (with buildx and compose) the client.
   */
  engine: Engine
  /** Program and its leading args; default [engine.dockerd]. */
  command?: string[]
  /** Appended after the per-instance flags, e.g. ['--mtu=1450']. */
  extraArgs?: string[]
  /** Overrides of the (tap-free) environment; undefined removes a variable. */
  env?: Record<string, string | undefined>
  /** Instance directory; created if missing, REMOVED by stop(). Default: a fresh one in os.tmpdir(). */
  tmpDir?: string
  /**
   * --data-root outside the instance directory, kept by stop() so a later instance can start on
   * it (a runner's persistent /var/lib/docker); the caller removes it. Default: TMP/data.
   */
  dataRoot?: string
  /** Written to /etc/docker/daemon.json as the instance sees it. */
  daemonJson?: Record<string, unknown>
  /** Stop this instance when the topology is destroyed (before its namespaces go). */
  topology?: Topology
  /** Register stop() as a tap teardown. */
  t?: Teardownable
  /** Bound for the API to answer GET /_ping; default 60 s. */
  readyTimeoutMs?: number
  /** Bound for the daemon to exit after SIGTERM before SIGKILL; default 20 s. */
  stopTimeoutMs?: number
}

export interface DockerExecOptions {
  input?: string | Uint8Array
  /** Default 60 s. */
  timeoutMs?: number
  /** Working directory (e.g. a build context or compose project); default the test's. */
  cwd?: string
  /** Added to the client environment (e.g. DOCKER_BUILDKIT=0); undefined removes a variable. */
  env?: Record<string, string | undefined>
}

/** A running daemon instance. */
export interface Dockerd {
  readonly netns: string
  readonly engine: Engine
  readonly tmpDir: string
  /** Path of the API socket. */
  readonly socket: string
  /** `unix://` + socket, for DOCKER_HOST. */
  readonly host: string
  readonly dataRoot: string
  readonly execRoot: string
  /** Host path bind-mounted on /etc/docker inside the instance. */
  readonly etcDocker: string
  readonly logFile: string
  /** Pid of the spawned command (dockerd itself, or the wrapper). */
  readonly pid: number
  /** Full argv that was launched after the namespace setup. */
  readonly argv: string[]
  /** From spawning the command until the API first answered GET /_ping, ms (polled every 20 ms). */
  readonly readyMs: number
  /** Settles when the spawned command exits. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** Runs the docker client against this daemon; never rejects on a non-zero exit. */
  docker(args: string[], opts?: DockerExecOptions): Promise<ExecResult>
  /**
   * Environment for running the engine's client (or compose, buildx) against this daemon:
   * DOCKER_HOST, DOCKER_CONFIG with the engine's CLI plugins, the engine's bin dirs on PATH.
   */
  clientEnv(overrides?: Record<string, string | undefined>): Record<string, string>
  /**
   * Runs argv in the instance's network and mount namespaces, i.e. seeing the same /sys/class/net
   * and /etc/docker as dockerd (and the wrapper) do.
   */
  inside(argv: string[], opts?: DockerExecOptions): Promise<ExecResult>
  /** Everything the command wrote to stdout/stderr so far (still available after stop()). */
  log(): string
  /** Stops the daemon and removes every trace of the instance. Idempotent. */
  stop(): Promise<void>
}

/** Thrown when the command exits or times out before the API answers; carries the log. */
export class DockerdStartError extends Error {
  constructor(message: string, readonly log: string, readonly exitCode: number | null) {
    super(message)
    this.name = 'DockerdStartError'
  }
}

const SETUP = `set -eu
T=$1; shift
mkdir -p "$T/etc-docker"
keep=
for p in fs/cgroup kernel/security fs/bpf; do
  if mountpoint -q "/sys/$p"; then
    mkdir -p "$T/mnt/$p"
    mount --rbind "/sys/$p" "$T/mnt/$p"
    keep="$keep $p"
  fi
done
umount -l /sys
mount -t sysfs sysfs /sys
for p in $keep; do
  mount --rbind "$T/mnt/$p" "/sys/$p"
  umount -R -l "$T/mnt/$p"
done
umount -l /run/netns 2>/dev/null || true
mount -t tmpfs -o mode=0755 tmpfs /run
[ -d /etc/docker ] || mkdir -p /etc/docker
mount --bind "$T/etc-docker" /etc/docker
unset $(env | sed -n 's/^\\(_TAPJS_[A-Za-z0-9_]*\\)=.*/\\1/p')
if [ -n "\${DAN_NODE_OPTIONS+x}" ]; then export NODE_OPTIONS="$DAN_NODE_OPTIONS"; else unset NODE_OPTIONS; fi
unset DAN_NODE_OPTIONS
exec "$@"
`

// Variables tap sets for its own children; the wrapper should run as it would in production
// (NODE_OPTIONS carries tap's processinfo loader, which slows node and writes into .tap/).
// tap's processinfo re-adds NODE_OPTIONS and _TAPJS_* to every spawn, so SETUP unsets them
// again; a NODE_OPTIONS the caller asks for travels as DAN_NODE_OPTIONS.
const ENV_DROP = /^(TAP|_TAPJS_|NODE_OPTIONS$|TS_NODE_|DOCKER_HOST$|DOCKER_CONTEXT$|DOCKER_TLS|DOCKER_CERT_PATH$)/

function childEnv(engine: Engine, overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !ENV_DROP.test(k)) env[k] = v
  // dockerd finds containerd and docker-proxy on PATH: the engine's come first; iptables and
  // runc are the host's. Keep the caller's PATH (it knows where node is) but make sure the
  // sbin directories are on it.
  const dirs = [...engine.binDirs, ...(env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(':').filter((d) => !engine.binDirs.includes(d))]
  for (const d of ['/usr/local/sbin', '/usr/sbin', '/sbin', '/usr/bin', '/bin']) if (!dirs.includes(d)) dirs.push(d)
  env.PATH = dirs.join(':')
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete env[k]
    else env[k] = v
  }
  if (overrides.NODE_OPTIONS !== undefined) env.DAN_NODE_OPTIONS = overrides.NODE_OPTIONS
  return env
}

/**
 * Forced removal of an instance: SIGKILL every process that is in its mount namespace, has
 * TMP/ in its command line (nsenter, dockerd, containerd, shims, the wrapper) or sits in its
 * cgroup parent (the containers); then remove the cgroups, unmount anything under TMP in the
 * host namespace and delete TMP. Exits non-zero if anything is left.
 */
function instanceRemovalScript(tmpDir: string, cgroupName: string, mntNs: string | undefined): string {
  return `T=${shq(tmpDir)}; CG=${shq(cgroupName)}; MNT=${shq(mntNs ?? '')}
# An empty T or CG would match every process and cgroup on the machine.
[ -n "$T" ] && [ "$T" != / ] && [ -n "$CG" ] || exit 2
mine() {
  for p in /proc/[0-9]*; do
    pid=\${p#/proc/}
    # Namespace inode numbers are reused once a namespace is gone: the inode alone could name
    # another test's container. The instance's namespace also has TMP/etc-docker on /etc/docker.
    if [ -n "$MNT" ] && [ "$(readlink "$p/ns/mnt" 2>/dev/null)" = "$MNT" ] &&
      grep -qF "/$CG/etc-docker /etc/docker " "$p/mountinfo" 2>/dev/null; then echo "$pid"; continue; fi
    cmd=$(tr '\\0' ' ' < "$p/cmdline" 2>/dev/null) || continue
    case "$cmd" in *"$T/"*) echo "$pid";; esac
  done
  for d in /sys/fs/cgroup/*/"$CG" /sys/fs/cgroup/"$CG"; do
    [ -d "$d" ] && find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null
  done
}
i=0
while [ $i -lt 50 ]; do
  pids=$(mine | sort -u)
  [ -z "$pids" ] && break
  kill -9 $pids 2>/dev/null
  i=$((i+1)); sleep 0.1
done
i=0
while [ $i -lt 50 ]; do
  left=0
  for d in /sys/fs/cgroup/*/"$CG" /sys/fs/cgroup/"$CG"; do
    [ -d "$d" ] || continue
    find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || left=1
    [ -d "$d" ] && left=1
  done
  [ $left = 0 ] && break
  i=$((i+1)); sleep 0.1
done
awk -v t="$T" '$2 == t || index($2, t "/") == 1 { print $2 }' /proc/self/mounts | sort -r | while read -r m; do
  umount -l "$m" 2>/dev/null
done
rm -rf "$T" 2>/dev/null || { sleep 0.5; rm -rf "$T"; }
status=0
[ -e "$T" ] && { echo "left: $T"; status=1; }
[ -n "$(mine)" ] && { echo "left: processes $(mine | tr '\\n' ' ')"; status=1; }
for d in /sys/fs/cgroup/*/"$CG" /sys/fs/cgroup/"$CG"; do [ -d "$d" ] && { echo "left: $d"; status=1; }; done
exit $status`
}

function tail(text: string, lines = 40): string {
  return text.split('\n').slice(-lines).join('\n')
}

/**
 * Launches `command` (dockerd or a wrapper that execs it) in `netns` with per-instance
 * data-root/exec-root/socket/pidfile/cgroup-parent, and waits until its API answers GET /_ping.
 * On failure the instance is removed and a {@link DockerdStartError} thrown.
 */
export async function startDockerd(opts: StartDockerdOptions): Promise<Dockerd> {
  const engine = opts.engine
  const command = opts.command ?? [engine.dockerd]
  const tmpDir = path.resolve(opts.tmpDir ?? fs.mkdtempSync(path.join(os.tmpdir(), `dan-${opts.topology?.id ?? 'x'}-d`)))
  // The removal script kills by "TMP/" in command lines and deletes TMP: it must be specific.
  if (path.dirname(tmpDir) === tmpDir || tmpDir === path.resolve(os.tmpdir())) throw new Error(`refusing tmpDir ${tmpDir}`)
  fs.mkdirSync(tmpDir, { recursive: true })
  const socket = path.join(tmpDir, 'docker.sock')
  // sun_path is 108 bytes; containerd's sockets under exec-root are longer still.
  if (socket.length > 90) throw new Error(`tmpDir too long for unix sockets: ${tmpDir}`)
  const dataRoot = opts.dataRoot ? path.resolve(opts.dataRoot) : path.join(tmpDir, 'data')
  const execRoot = path.join(tmpDir, 'exec')
  const etcDocker = path.join(tmpDir, 'etc-docker')
  const logFile = path.join(tmpDir, 'dockerd.log')
  const cgroupName = path.basename(tmpDir)
  fs.mkdirSync(etcDocker, { recursive: true })
  if (opts.daemonJson) fs.writeFileSync(path.join(etcDocker, 'daemon.json'), JSON.stringify(opts.daemonJson, null, 2))

  const argv = [
    ...command,
    `--data-root=${dataRoot}`,
    `--exec-root=${execRoot}`,
    `--host=unix://${socket}`,
    `--pidfile=${path.join(tmpDir, 'docker.pid')}`,
    `--cgroup-parent=/${cgroupName}`,
    ...(opts.extraArgs ?? []),
  ]
  const tracked: Tracked = track(`dockerd ${tmpDir}`, instanceRemovalScript(tmpDir, cgroupName, undefined))

  let pid = -1
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined
  let onExit!: (info: { code: number | null; signal: NodeJS.Signals | null }) => void
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    onExit = (info) => { exitInfo ??= info; resolve(exitInfo) }
  })

  let cachedLog: string | undefined
  const log = () => {
    if (cachedLog !== undefined) return cachedLog
    try { return fs.readFileSync(logFile, 'utf8') } catch { return '' }
  }
  // The engine's buildx and compose, as `docker buildx` / `docker compose` find them.
  const dockerConfig = path.join(tmpDir, 'client')
  fs.mkdirSync(path.join(dockerConfig, 'cli-plugins'), { recursive: true })
  for (const p of fs.readdirSync(engine.pluginsDir)) {
    fs.symlinkSync(path.join(engine.pluginsDir, p), path.join(dockerConfig, 'cli-plugins', p))
  }
  const clientEnv = (o: Record<string, string | undefined> = {}) =>
    childEnv(engine, { DOCKER_CONFIG: dockerConfig, DOCKER_HOST: `unix://${socket}`, ...o })
  const docker = (args: string[], o: DockerExecOptions = {}) =>
    run([engine.docker, ...args], {
      input: o.input, timeoutMs: o.timeoutMs ?? 60_000, env: clientEnv(o.env), extendEnv: false, cwd: o.cwd,
    })

  const inside = (argv: string[], o: DockerExecOptions = {}) => {
    // dockerd's own pid when a wrapper spawned it; the wrapper may have exited or be a plain parent.
    let target = pid
    try { target = Number(fs.readFileSync(path.join(tmpDir, 'docker.pid'), 'utf8').trim()) || pid } catch { /* not yet */ }
    return run(['nsenter', '-t', String(target), '-m', '-n', '--', ...argv], { input: o.input, timeoutMs: o.timeoutMs ?? 30_000 })
  }

  let stopping: Promise<void> | undefined
  const stop = () => {
    stopping ??= (async () => {
      if (!exitInfo && pid > 1) {
        // Removing containers first skips dockerd's 10 s grace per container on SIGTERM.
        const ps = await docker(['ps', '-aq'], { timeoutMs: 10_000 })
        const ids = ps.exitCode === 0 ? ps.stdout.split('\n').filter(Boolean) : []
        if (ids.length) await docker(['rm', '-f', ...ids], { timeoutMs: 20_000 })
        signal(pid, 'SIGTERM')
        if (!await settlesWithin(exited, opts.stopTimeoutMs ?? 20_000)) {
          signal(-pid, 'SIGKILL')
          signal(pid, 'SIGKILL')
          await settlesWithin(exited, 5_000)
        }
      }
      cachedLog = log()
      const out = await tracked.force()
      if (!out.ok) throw new Error(`dockerd instance ${tmpDir} not fully removed:\n${out.output}`)
    })()
    return stopping
  }

  // Registered before launching, so that no outcome of the launch escapes cleanup.
  try {
    opts.topology?.defer(`dockerd ${tmpDir}`, () => stop())
  } catch (err) {
    await tracked.force()
    throw err
  }
  opts.t?.teardown(() => stop())

  const logFd = fs.openSync(logFile, 'a')
  const spawnedAt = process.hrtime.bigint()
  try {
    const child = spawn('nsenter', [`--net=/run/netns/${opts.netns}`, '--',
      'unshare', '--mount', '--propagation', 'slave', '--',
      'sh', '-c', SETUP, 'dan-dockerd', tmpDir, ...argv], {
      // Own process group, so a stray signal to ours does not hit it and we can kill its group.
      detached: true,
      stdio: ['ignore', logFd, logFd],
      env: childEnv(engine, opts.env),
    })
    child.once('exit', (code, sig) => onExit({ code, signal: sig }))
    child.once('error', (err) => {
      fs.appendFileSync(logFile, `spawn failed: ${err.message}\n`)
      onExit({ code: -1, signal: null })
    })
    // Never let a forgotten daemon keep the test process alive; exit handlers kill it.
    child.unref()
    pid = child.pid ?? -1
  } catch (err) {
    onExit({ code: -1, signal: null })
    await stop().catch(() => {})
    throw err
  } finally {
    fs.closeSync(logFd)
  }

  // Wait for the API (GET /_ping answering OK, polled every 20 ms), failing early if the command dies.
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000)
  let last: string | undefined
  for (;;) {
    if (exitInfo) {
      await stop().catch(() => {})
      throw new DockerdStartError(
        `${command.join(' ')} exited (code ${exitInfo.code}, signal ${exitInfo.signal}) before its API answered\n${tail(log())}`,
        log(), exitInfo.code)
    }
    last = await ping(socket)
    if (last === 'OK') break
    if (Date.now() > deadline) {
      await stop().catch(() => {})
      throw new DockerdStartError(
        `${command.join(' ')} did not answer on ${socket} within ${opts.readyTimeoutMs ?? 60_000} ms: ${last}\n${tail(log())}`,
        log(), null)
    }
    await sleep(20)
  }
  const readyMs = Number(process.hrtime.bigint() - spawnedAt) / 1e6

  // The spawned pid is past unshare by now; its mount namespace identifies the whole instance
  // (containerd and shims inherit it) even for processes whose command line does not name TMP.
  try {
    const mnt = fs.readlinkSync(`/proc/${pid}/ns/mnt`)
    // Matching our own mount namespace would make the removal script kill the whole host.
    if (mnt !== fs.readlinkSync('/proc/self/ns/mnt')) tracked.setScript(instanceRemovalScript(tmpDir, cgroupName, mnt))
  } catch {
    // Exited in the meantime; the command-line and cgroup matches still apply.
  }

  return {
    netns: opts.netns, engine, tmpDir, socket, host: `unix://${socket}`, dataRoot, execRoot, etcDocker, logFile,
    pid, argv, readyMs, exited, docker, clientEnv, inside, log, stop,
  }
}

/**
 * GET /_ping on the API socket (Docker Engine API, "Ping": answers "OK" once the daemon serves
 * requests); resolves with the body, or with what went wrong (never rejects). Bounded to 2 s.
 */
function ping(socketPath: string): Promise<string> {
  return new Promise((resolve) => {
    const req = http.get({ socketPath, path: '/_ping', timeout: 2_000 }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => { body += c })
      res.on('end', () => resolve(res.statusCode === 200 ? body : `HTTP ${res.statusCode}: ${body}`))
      res.on('error', (err) => resolve(err.message))
    })
    req.on('timeout', () => req.destroy(new Error('no answer within 2 s')))
    req.on('error', (err) => resolve(err.message))
  })
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try { process.kill(pid, sig) } catch { /* already gone */ }
}
