/**
 * Network-namespace topologies for e2e tests.
 *
 * Everything is created inside namespaces named `dan-<6 hex>-<logical>`; links are created
 * directly in their target namespace (`ip -n NS link add ... peer ... netns NS2`), so the host
 * namespace never gains or loses an interface. Use private or documentation ranges only
 * (10.200.0.0/16, 198.18.0.0/15, 192.0.2.0/24...): no namespace here is connected to the host,
 * so nothing can leave, but the addresses should say so too.
 *
 * Note: this kernel has no `dummy` link type (CONFIG_DUMMY unset, no modules); a veth pair with
 * both ends in one namespace is the stand-in for an "up but unused" link.
 */
import { randomBytes } from 'node:crypto'
import { track, type Tracked } from './cleanup.js'
import { run, runOk, shq, type ExecResult, type RunOptions } from './exec.js'

/** The part of a tap Test the harness needs. */
export interface Teardownable {
  teardown(fn: () => unknown): void
}

/** One end of a veth pair. `ns` is a logical namespace name of the topology. */
export interface VethEnd {
  ns: string
  name: string
  mtu?: number
  /** CIDR addresses, e.g. '10.200.0.2/24'. */
  addrs?: string[]
  /** Default true. */
  up?: boolean
  /** Fixed MAC, e.g. to test MAC-dependent behaviour. */
  mac?: string
}

export interface RouteSpec {
  via?: string
  dev?: string
  mtu?: number
  metric?: number
  table?: string | number
  src?: string
}

interface Step {
  label: string
  graceful?: () => Promise<void>
  tracked?: Tracked
}

const LOGICAL = /^[a-z0-9][a-z0-9_-]{0,19}$/

/**
 * A set of namespaces and what lives in them. Records everything it creates; {@link destroy}
 * removes it all in reverse order, tolerates partial failure and may be called any number of
 * times. It is also run from process exit/signal handlers and by a reaper (see cleanup.ts).
 */
export class Topology {
  /** Short random id shared by all names this topology creates. */
  readonly id: string
  readonly prefix: string
  readonly #namespaces = new Map<string, string>()
  readonly #steps: Step[] = []
  /** Human-readable log of what was created, for diagnostics. */
  readonly created: string[] = []
  #destroying: Promise<void> | undefined

  constructor(id: string = randomBytes(3).toString('hex')) {
    this.id = id
    this.prefix = `dan-${id}-`
  }

  /** Real netns name for a logical one; throws if the namespace was not added. */
  ns(logical: string): string {
    const real = this.#namespaces.get(logical)
    if (!real) throw new Error(`topology ${this.id}: no namespace '${logical}'`)
    return real
  }

  /** Real names of all namespaces, in creation order. */
  namespaces(): string[] {
    return [...this.#namespaces.values()]
  }

  get destroyed(): boolean {
    return this.#destroying !== undefined
  }

  /** Creates a namespace with loopback up; returns its real name (`dan-<id>-<logical>`). */
  async addNetns(logical: string): Promise<string> {
    this.#assertLive()
    if (!LOGICAL.test(logical)) throw new Error(`bad namespace name '${logical}'`)
    if (this.#namespaces.has(logical)) throw new Error(`namespace '${logical}' exists`)
    const real = `${this.prefix}${logical}`
    // Registered before creation so a failure half-way still gets swept.
    const tracked = track(`netns ${real}`, netnsRemovalScript(real))
    this.#steps.push({ label: `netns ${real}`, tracked })
    this.#namespaces.set(logical, real)
    await runOk(['ip', 'netns', 'add', real])
    await runOk(['ip', '-n', real, 'link', 'set', 'lo', 'up'])
    this.created.push(`netns ${real}`)
    return real
  }

  /** `ip -n NS ARGS...`, throwing on failure. */
  async ip(ns: string, args: string[]): Promise<string> {
    return runOk(['ip', '-n', this.ns(ns), ...args])
  }

  /** Runs argv inside the namespace via `ip netns exec` (which also remounts /sys for it). */
  async exec(ns: string, argv: string[], opts?: RunOptions): Promise<ExecResult> {
    return run(['ip', 'netns', 'exec', this.ns(ns), ...argv], opts)
  }

  /** {@link exec} that throws unless the command exits 0; returns stdout. */
  async execOk(ns: string, argv: string[], opts?: RunOptions): Promise<string> {
    return runOk(['ip', 'netns', 'exec', this.ns(ns), ...argv], opts)
  }

  /** Creates a veth pair between two namespaces (or within one), with MTU and addresses. */
  async addVeth(a: VethEnd, b: VethEnd): Promise<void> {
    this.#assertLive()
    const end = (e: VethEnd) => [
      ...(e.mtu ? ['mtu', String(e.mtu)] : []),
      ...(e.mac ? ['address', e.mac] : []),
    ]
    await runOk(['ip', '-n', this.ns(a.ns), 'link', 'add', a.name, ...end(a),
      'type', 'veth', 'peer', 'name', b.name, 'netns', this.ns(b.ns), ...end(b)])
    this.created.push(`veth ${a.ns}:${a.name} <-> ${b.ns}:${b.name}`)
    for (const e of [a, b]) {
      for (const cidr of e.addrs ?? []) await this.addAddr(e.ns, e.name, cidr)
      if (e.up ?? true) await this.ip(e.ns, ['link', 'set', e.name, 'up'])
    }
  }

  /** Creates a link of any kernel-supported type, e.g. `('pod', 'br0', 'bridge', ['mtu', '1400'])`. */
  async addLink(ns: string, name: string, type: string, args: string[] = [], opts: { up?: boolean } = {}): Promise<void> {
    this.#assertLive()
    await this.ip(ns, ['link', 'add', name, ...args, 'type', type])
    this.created.push(`${type} ${ns}:${name}`)
    if (opts.up ?? true) await this.ip(ns, ['link', 'set', name, 'up'])
  }

  /** Sets link attributes. */
  async linkSet(ns: string, dev: string, attrs: { mtu?: number; up?: boolean; master?: string | null }): Promise<void> {
    const args: string[] = []
    if (attrs.mtu !== undefined) args.push('mtu', String(attrs.mtu))
    if (attrs.master === null) args.push('nomaster')
    else if (attrs.master !== undefined) args.push('master', attrs.master)
    if (attrs.up !== undefined) args.push(attrs.up ? 'up' : 'down')
    if (args.length) await this.ip(ns, ['link', 'set', 'dev', dev, ...args])
  }

  /** Adds a CIDR address to a link. */
  async addAddr(ns: string, dev: string, cidr: string): Promise<void> {
    await this.ip(ns, ['addr', 'add', cidr, 'dev', dev])
  }

  /** Adds a route; `dst` is 'default' or a CIDR. */
  async addRoute(ns: string, dst: string, r: RouteSpec): Promise<void> {
    const args = ['route', 'add', dst]
    if (r.via) args.push('via', r.via)
    if (r.dev) args.push('dev', r.dev)
    if (r.src) args.push('src', r.src)
    if (r.metric !== undefined) args.push('metric', String(r.metric))
    if (r.mtu !== undefined) args.push('mtu', String(r.mtu))
    if (r.table !== undefined) args.push('table', String(r.table))
    await this.ip(ns, args)
  }

  /** Adds the default route of a namespace. */
  async setDefaultRoute(ns: string, r: RouteSpec): Promise<void> {
    await this.addRoute(ns, 'default', r)
  }

  /** Writes a sysctl of the namespace, e.g. `('wan', 'net.ipv4.ip_forward', 1)`. */
  async sysctl(ns: string, key: string, value: string | number): Promise<void> {
    // /proc/sys/net is resolved against the writer's netns, so nsenter is enough (no /sys remount).
    const file = `/proc/sys/${key.replace(/\./g, '/')}`
    await runOk(['nsenter', `--net=/run/netns/${this.ns(ns)}`, '--', 'sh', '-c', `echo ${shq(String(value))} > ${shq(file)}`])
  }

  /** Runs iptables inside the namespace; 'nft' is what /usr/sbin/iptables is on Debian 12. */
  async iptables(ns: string, args: string[], opts: { flavour?: 'default' | 'nft' | 'legacy'; ipv6?: boolean } = {}): Promise<string> {
    const base = opts.ipv6 ? 'ip6tables' : 'iptables'
    const bin = !opts.flavour || opts.flavour === 'default' ? base : `${base}-${opts.flavour}`
    return this.execOk(ns, [bin, '-w', ...args])
  }

  /**
   * Registers a custom cleanup: `graceful` runs first on destroy (errors are reported, not
   * fatal), then `forceScript` (sh, idempotent), which also runs from exit handlers and the reaper.
   */
  defer(label: string, graceful?: () => Promise<void>, forceScript?: string): Tracked | undefined {
    this.#assertLive()
    const tracked = forceScript ? track(label, forceScript) : undefined
    this.#steps.push({ label, graceful, tracked })
    return tracked
  }

  /**
   * Removes everything in reverse order of creation. Keeps going past failures and throws at
   * the end only if something could not be removed. Idempotent; concurrent calls share one run.
   */
  destroy(): Promise<void> {
    this.#destroying ??= this.#destroy()
    return this.#destroying
  }

  async #destroy(): Promise<void> {
    const problems: string[] = []
    while (this.#steps.length > 0) {
      const step = this.#steps.pop()!
      if (step.graceful) {
        try {
          await step.graceful()
        } catch (err) {
          // The forced script below still runs; only report if that fails too.
          if (!step.tracked) problems.push(`${step.label}: ${(err as Error).message}`)
        }
      }
      if (step.tracked && !step.tracked.released) {
        const out = await step.tracked.force()
        if (!out.ok) problems.push(`${step.label}: ${out.output.trim() || 'removal script failed'}`)
      }
    }
    if (problems.length) throw new Error(`topology ${this.id}: cleanup problems:\n${problems.join('\n')}`)
  }

  #assertLive(): void {
    if (this.#destroying) throw new Error(`topology ${this.id} is destroyed`)
  }
}

/** Forced removal of a namespace: kill whatever still runs in it, then drop its name. */
export function netnsRemovalScript(real: string): string {
  return `NS=${shq(real)}
[ -e "/run/netns/$NS" ] || exit 0
i=0
while [ $i -lt 50 ]; do
  pids=$(ip netns pids "$NS" 2>/dev/null)
  [ -z "$pids" ] && break
  kill -9 $pids 2>/dev/null
  i=$((i+1)); sleep 0.1
done
ip netns del "$NS"
[ ! -e "/run/netns/$NS" ]`
}

/**
 * Creates an empty topology. With `t`, its destroy() is registered as a tap teardown; it is in
 * any case also run on process exit and on SIGINT/SIGTERM/SIGHUP/SIGALRM.
 */
export async function createTopology(opts: { t?: Teardownable; id?: string } = {}): Promise<Topology> {
  const topo = new Topology(opts.id)
  opts.t?.teardown(() => topo.destroy())
  return topo
}
