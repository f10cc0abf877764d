/**
 * Which dockerd flags (and the daemon.json keys they set) an engine of a known version has, as
 * measured on real engines, so that a start steps aside when that engine will refuse a flag or
 * key some other engine has (flags.ts and config-keys.ts only know the union over engines).
 *
 * Source: each table is measured, not guessed. `help` is the long flags `timeout 10 dockerd
 * --help` lists (every `--name` at the start of an option line) on the engines Debian carries:
 * 20.10.24+dfsg1 (bookworm), 26.1.5+dfsg1 (trixie), 28.5.2+dfsg4 (sid), fetched by
 * scripts/fetch-engines.sh. Hidden and deprecated flags (moby cmd/dockerd MarkHidden /
 * MarkDeprecated) do not show in --help but are still accepted: `hidden` lists those of flags.ts's
 * union that `dockerd --NAME=1 --help` does not refuse with "unknown flag: --NAME" (pflag parses
 * every flag before cobra prints the help; nothing starts). test/dockerd/engine-flags.test.ts
 * runs both commands on the three engines and checks these tables against them.
 */
import type { DaemonJson } from './config-file.js'
import { CONFIG_KEY_OF_FLAG, checkedConfigKeys } from './config-keys.js'
import { parseEngineVersion } from './engine-features.js'
import { type FlagUse, isDockerdFlag, shorthandOf } from './flags.js'

/** One measured engine: its version, its major.minor line, and the long flags it accepts. */
export interface MeasuredEngine {
  /** dockerd --version without Debian's suffix, e.g. "26.1.5". */
  version: string
  /** [major, minor], as parseEngineVersion reads `version`. */
  line: [number, number]
  /** Long flags `dockerd --help` lists, sorted. */
  help: readonly string[]
  /** Flags of flags.ts's union it accepts although --help does not list them, sorted. */
  hidden: readonly string[]
}

const words = (s: string) => s.trim().split(/\s+/)

/** The measured engines, oldest first (see the file comment for how each was measured). */
export const MEASURED_ENGINES: readonly MeasuredEngine[] = [
  {
    version: '20.10.24', line: [20, 10],
    help: words(`add-runtime allow-nondistributable-artifacts api-cors-header authorization-plugin bip bridge
      cgroup-parent config-file containerd containerd-namespace containerd-plugins-namespace cpu-rt-period
      cpu-rt-runtime cri-containerd data-root debug default-address-pool default-cgroupns-mode default-gateway
      default-gateway-v6 default-ipc-mode default-runtime default-shm-size default-ulimit dns dns-opt dns-search
      exec-opt exec-root experimental fixed-cidr fixed-cidr-v6 group help host host-gateway-ip icc init init-path
      insecure-registry ip ip-forward ip-masq ip6tables iptables ipv6 label live-restore log-driver log-level
      log-opt max-concurrent-downloads max-concurrent-uploads max-download-attempts metrics-addr mtu
      network-control-plane-mtu no-new-privileges node-generic-resource oom-score-adjust pidfile raw-logs
      registry-mirror rootless seccomp-profile selinux-enabled shutdown-timeout storage-driver storage-opt
      swarm-default-advertise-addr tls tlscacert tlscert tlskey tlsverify userland-proxy userland-proxy-path
      userns-remap version`),
    hidden: words('cluster-advertise cluster-store cluster-store-opt graph network-diagnostic-port restart'),
  },
  {
    version: '26.1.5', line: [26, 1],
    help: words(`add-runtime allow-nondistributable-artifacts api-cors-header authorization-plugin bip bridge
      cdi-spec-dir cgroup-parent config-file containerd containerd-namespace containerd-plugins-namespace
      cpu-rt-period cpu-rt-runtime cri-containerd data-root debug default-address-pool default-cgroupns-mode
      default-gateway default-gateway-v6 default-ipc-mode default-network-opt default-runtime default-shm-size
      default-ulimit dns dns-opt dns-search exec-opt exec-root experimental fixed-cidr fixed-cidr-v6 group help
      host host-gateway-ip http-proxy https-proxy icc init init-path insecure-registry ip ip-forward ip-masq
      ip6tables iptables ipv6 label live-restore log-driver log-format log-level log-opt max-concurrent-downloads
      max-concurrent-uploads max-download-attempts metrics-addr mtu network-control-plane-mtu no-new-privileges
      no-proxy node-generic-resource pidfile raw-logs registry-mirror rootless seccomp-profile selinux-enabled
      shutdown-timeout storage-driver storage-opt swarm-default-advertise-addr tls tlscacert tlscert tlskey
      tlsverify userland-proxy userland-proxy-path userns-remap validate version`),
    hidden: words('network-diagnostic-port restart'),
  },
  {
    version: '28.5.2', line: [28, 5],
    help: words(`add-runtime allow-direct-routing authorization-plugin bip bip6 bridge cdi-spec-dir cgroup-parent
      config-file containerd containerd-namespace containerd-plugins-namespace cpu-rt-period cpu-rt-runtime
      cri-containerd data-root debug default-address-pool default-cgroupns-mode default-gateway
      default-gateway-v6 default-ipc-mode default-network-opt default-runtime default-shm-size default-ulimit dns
      dns-opt dns-search exec-opt exec-root experimental feature fixed-cidr fixed-cidr-v6 group help host
      host-gateway-ip http-proxy https-proxy icc init init-path insecure-registry ip ip-forward ip-forward-no-drop
      ip-masq ip6tables iptables ipv6 label live-restore log-driver log-format log-level log-opt
      max-concurrent-downloads max-concurrent-uploads max-download-attempts metrics-addr mtu
      network-control-plane-mtu no-new-privileges no-proxy node-generic-resource pidfile raw-logs registry-mirror
      rootless seccomp-profile selinux-enabled shutdown-timeout storage-driver storage-opt
      swarm-default-advertise-addr tls tlscacert tlscert tlskey tlsverify userland-proxy userland-proxy-path
      userns-remap validate version`),
    hidden: words('allow-nondistributable-artifacts api-cors-header network-diagnostic-port restart'),
  },
]

const has = (e: MeasuredEngine, flag: string) => e.help.includes(flag) || e.hidden.includes(flag)
const cmp = (a: [number, number], b: [number, number]) => a[0] - b[0] || a[1] - b[1]
const lineText = (e: MeasuredEngine) => e.line.join('.')

/**
 * Why an engine of major.minor `v` surely lacks long flag `flag`, or null when it has it or may.
 * With three measured points only, `v` is judged by the measured engines bracketing it: the
 * newest at or below it and the oldest at or above it (one engine when `v` is a measured line).
 * The flag is surely missing when neither has it: it was added after the older, or removed
 * before the newer (a flag added and removed again between two measured engines would be called
 * missing: none is known). A version older than 20.10 or newer than 28.5 has one side only and
 * nothing is refused (a flag may have been removed before 20.10, or added after 28.5).
 */
function lacks(v: [number, number], flag: string): { below: MeasuredEngine, above: MeasuredEngine } | null {
  const below = MEASURED_ENGINES.filter((e) => cmp(e.line, v) <= 0).at(-1)
  const above = MEASURED_ENGINES.find((e) => cmp(e.line, v) >= 0)
  if (!below || !above || has(below, flag) || has(above, flag)) return null
  return { below, above }
}

/**
 * The measurement behind a `lacks` answer for `version`, as a parenthesis to add after "has no
 * such flag", or '' when `version` is the measured engine itself (saying it twice helps no one).
 */
function measured(version: string, { below, above }: { below: MeasuredEngine, above: MeasuredEngine }): string {
  if (below !== above) return ` (neither dockerd ${lineText(below)} nor ${lineText(above)} has one)`
  return below.version === version ? '' : ` (dockerd ${below.version}, of the same line, has none)`
}

/**
 * Why the dockerd of `version` (e.g. "26.1.5", from the Engine API or `dockerd --version`) will
 * refuse a flag in `flags` or a key of `daemonJson` that some other engine has, or null: the
 * first flag in argv order, then the first key in file order, in the words dockerd exits with
 * (pflag "unknown flag: --x" / "unknown shorthand flag: 'g' in -g"; moby daemon/config
 * findConfigurationConflicts "the following directives don't match any configuration option").
 * Null when `version` is unknown or unreadable (fail open), and for what no dockerd has (flags.ts
 * unknownFlag and config-keys.ts unknownConfigKeys answer that). A key is judged by the flags
 * it belongs to (its name, or a flag's config name, CONFIG_KEY_OF_FLAG), missing when all of them
 * are; a file-only key ("builder", "features"…) is never refused here, nor is an object dockerd
 * may read whole (which objects it reads whole changed over versions: "default-network-opts").
 */
export function flagMissingFromEngine(flags: readonly FlagUse[], daemonJson: DaemonJson | null, version: string | null | undefined): string | null {
  const v = parseEngineVersion(version)
  if (!v || !version) return null
  for (const f of flags) {
    const why = isDockerdFlag(f.name) ? lacks(v, f.name) : null
    if (!why) continue
    const pflag = f.text.startsWith('--') ? `unknown flag: --${f.name}` : `unknown shorthand flag: '${shorthandOf(f.name)}' in ${f.text.split(' ')[0]}`
    return `dockerd ${version} has no such flag${measured(version, why)} and will refuse your arguments (${pflag})`
  }
  for (const key of checkedConfigKeys(daemonJson)) {
    const value = daemonJson?.[key]
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) continue
    const owners = [...(isDockerdFlag(key) ? [key] : []), ...Object.keys(CONFIG_KEY_OF_FLAG).filter((f) => CONFIG_KEY_OF_FLAG[f] === key)]
    const whys = owners.map((f) => lacks(v, f))
    if (!owners.length || whys.some((w) => w === null)) continue
    return `daemon.json has ${JSON.stringify(key)}, which dockerd ${version} does not know${measured(version, whys[0] as NonNullable<typeof whys[0]>)}: dockerd refuses to start on it ("the following directives don't match any configuration option: ${key}")`
  }
  return null
}
