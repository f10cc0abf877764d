/**
 * Domain types of dockerd-autonet.
 *
 * `MachineState` is the snapshot contract between reading the machine (src/read) and deciding
 * (src/plan); it serializes field for field to the JSON described in shared/cases/README.md,
 * so its field names are snake_case where the contract says so. Keep them stable: snapshots
 * pasted into bug reports must replay with `plan --state FILE`.
 *
 * Units: every MTU is in bytes and includes the IP header (as `ip link` and sysfs report it,
 * see Documentation/ABI/testing/sysfs-class-net in the kernel tree).
 */
import type { DaemonJson } from './dockerd/config-file.js'
import type { LinkType } from './net/link-types.js'
import { DOCKERD_DEFAULT_MTU } from './net/mtu-limits.js'

export type { LinkType } from './net/link-types.js'

/** One network interface, as /sys/class/net/NAME shows it. */
export interface Link {
  name: string
  /** MTU in bytes, IP header included. */
  mtu: number
  /** MAC as lower-case colon-separated hex, null for L3 devices (tun, wireguard, ipip). */
  mac: string | null
  /** The link's kind (src/net/link-types.ts). */
  type: LinkType
  /** IFF_UP set (administratively up). */
  up: boolean
  /** Carrier present; absent when unknown. */
  carrier?: boolean
  /** Bridge this link is a port of. */
  master?: string | null
  /** sysfs addr_assign_type: 0 permanent, 1 random, 2 stolen, 3 set explicitly (NET_ADDR_SET). */
  addr_assign_type?: number | null
  /** Addresses in CIDR form. */
  addrs?: string[]
}

export interface NextHop {
  dev: string | null
  gw?: string | null
  weight?: number
}

/** One route, as `ip -j route show table all` gives it, normalised. */
export interface Route {
  /** "default" or a CIDR prefix. */
  dst: string
  dev: string | null
  gw?: string | null
  metric?: number | null
  /** Route MTU attribute in bytes (`ip route ... mtu N`), null when the route has none. */
  mtu?: number | null
  /** Routing table name or number; "main" when absent. */
  table?: string | null
  /** Route type: unicast (default), unreachable, blackhole, prohibit, local, broadcast... */
  type?: string | null
  scope?: string | null
  linkdown?: boolean
  nexthops?: NextHop[]
  [extra: string]: unknown
}

/** One policy routing rule, as `ip -j rule` gives it. */
export interface Rule {
  priority: number
  /** "all" or an address/prefix. */
  src?: string | null
  dst?: string | null
  not?: boolean
  fwmark?: string | null
  fwmask?: string | null
  iif?: string | null
  oif?: string | null
  table?: string | null
  suppress_prefixlen?: number | null
  /** unreachable, blackhole, prohibit, goto, nop; absent = lookup. */
  action?: string | null
  [extra: string]: unknown
}

export interface ConntrackTuple {
  src: string
  dst: string
  sport?: number
  dport?: number
}

/** One conntrack entry (`conntrack -L` line), with an id for the plan to name it by. */
export interface ConntrackEntry {
  id: string
  proto: string
  /** IP protocol number (`conntrack -L`'s second column), for protocols it names "unknown". */
  protonum?: number
  state?: string | null
  flags?: string[]
  orig: ConntrackTuple
  reply: ConntrackTuple
  /** Address family; inferred from the addresses when absent. */
  family?: 'ipv4' | 'ipv6'
}

/**
 * Result of the opt-in path-MTU probe (`--autonet-probe=HOST`, src/read/pmtu-probe.ts): the
 * largest packet that reached HOST and came back with Don't Fragment set.
 */
export interface PmtuProbe {
  /** The host as given. */
  host: string
  /** The address probed; null when it did not resolve. */
  address: string | null
  family: 4 | 6 | null
  /** Largest packet in bytes (IP header included) answered with DF set; null = unknown (see note). */
  mtu: number | null
  /** Search bounds in bytes: the family's floor (576 IPv4, 1280 IPv6) and the MTU of the route to the host. */
  min: number | null
  max: number | null
  /** ping runs made. */
  probes: number
  elapsed_ms: number
  /** Why mtu is null, or how it was bounded; null when there is nothing to say. */
  note: string | null
}

/**
 * rootlesskit, as the wrapper sees it from inside (src/read/sandbox.ts): present only when
 * ROOTLESSKIT_STATE_DIR is set, which is how rootlesskit marks its child and how moby decides it
 * runs rootless (moby daemon/internal/rootless: RunningWithRootlessKit).
 */
export interface RootlessKitFacts {
  /** Its network driver, from its API (GET /v1/info on $ROOTLESSKIT_STATE_DIR/api.sock, networkDriver.driver; "" means --net=host); null when the API did not answer. */
  net: string | null
}

/** A sandboxed runtime recognised by a marker it documents (src/read/sandbox.ts). */
export interface SandboxFacts {
  kind: 'gvisor' | 'sysbox' | 'kata'
  /** The marker seen, for the reason line ("/proc/version has gVisor's fixed build string"). */
  evidence: string
}

/** The machine-state snapshot (shared/cases/README.md). */
export interface MachineState {
  links: Link[]
  routes4: Route[]
  routes6: Route[]
  rules4?: Rule[]
  rules6?: Rule[]
  conntrack?: ConntrackEntry[]
  /** Parsed daemon config file; null when absent. */
  daemon_json: DaemonJson | null
  /** Arguments the wrapper was given for dockerd, in order. */
  argv: string[]
  env?: Record<string, string>
  dockerd_version?: string | null
  /** Facts the reader could not establish, with why (for the log and for `plan`). */
  read_errors?: string[]
  /** Path-MTU probe result, present only with --autonet-probe; the planner plans at most its mtu. */
  pmtu_probe?: PmtuProbe | null
  /** Effective uid of the wrapper; optional (older snapshots lack it). */
  euid?: number | null
  /** Present when the wrapper runs under rootlesskit; optional. */
  rootlesskit?: RootlessKitFacts | null
  /** Present when a sandboxed runtime (gVisor, Sysbox, Kata) was recognised; optional. */
  sandbox?: SandboxFacts | null
  [extra: string]: unknown
}

/** Options of ours that change the decision (from --autonet-* flags or DOCKERD_AUTONET_* env). */
export interface PlanOptions {
  /** Highest MTU we plan on our own, in bytes; 1500 unless the user opts into jumbo frames. */
  maxMtu: number
  /** "default-route" (the egress) or "all-routes" (smallest MTU of every up link with a usable route). */
  mtuScope: 'default-route' | 'all-routes'
  pinBridgeMac: boolean
  conntrackCleanup: boolean
  clampMss: boolean
  /** A second daemon's bridge to create: name and gateway CIDR (e.g. br-ci=10.99.0.1/24). */
  createBridge?: { name: string, cidr: string } | null
}

export const DEFAULT_PLAN_OPTIONS: PlanOptions = {
  maxMtu: DOCKERD_DEFAULT_MTU,
  mtuScope: 'default-route',
  pinBridgeMac: true,
  conntrackCleanup: true,
  clampMss: true,
  createBridge: null,
}

export type Action =
  | { type: 'pin-bridge-mac', bridge: string, mac: string, reason: string }
  | { type: 'conntrack-delete', ids: string[], entries: ConntrackEntry[], reason: string }
  /** `ipv6`: dockerd runs with IPv6 on, so the rule goes into ip6tables too. */
  | { type: 'clamp-mss', mtu: number, ipv6: boolean, reason: string }
  | { type: 'create-bridge', bridge: string, cidr: string, mac: string, reason: string }

/** What we decided: the dockerd argv and the side effects to apply before exec. */
export interface Plan {
  /** Interface chosen as the egress (IPv4 first, else IPv6), null if none. */
  egress: string | null
  /** The MTU set or kept (planned, or the user's explicit one); null = dockerd's default stands. */
  mtu: number | null
  /** Full dockerd argv (without the program name): the user's, in order, then ours. */
  args: string[]
  warnings: string[]
  /** One line per decision, for the log and --dry-run. */
  reasons: string[]
  error: string | null
  actions: Action[]
}

/** A decision and why: decision functions return both, callers never rebuild the reason. */
export interface Decided<T> {
  value: T
  reason: string
}
