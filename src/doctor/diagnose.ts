/**
 * `dockerd-autonet doctor`: what is already broken on a machine where dockerd runs. Pure: the
 * machine state (src/read) and the running dockerds (running.ts) in, findings out; every
 * decision about the egress is the planner's own (detectEgressMtu), so doctor and the wrapper
 * can never disagree about which interface and MTU count.
 *
 * Checks, each finding saying what to do:
 * - mtu: the MTU a running dockerd gives containers is larger than the egress MTU (the PMTU
 *   black hole of Docker-in-Docker);
 * - drift: a dockerd started with an explicit MTU that no longer matches the egress: routes and
 *   links can change after dockerd started (moby PR #18108's objection to automatic MTU), or
 *   daemon.json changed since;
 * - network: every user-defined bridge network whose MTU is above the egress MTU: a network
 *   keeps the MTU it was created with (networks-check.ts);
 * - bridge / port: every docker bridge (docker0, br-*, the --bridge one) and each of its ports
 *   (the host ends of container veths) with its MTU, flagged when larger than the egress;
 * - bridge-mac: a docker bridge whose MAC is not fixed (addr_assign_type not 3) follows its
 *   lowest port's MAC. dockerd 20.10+ creates its bridges with a fixed MAC (addr_assign_type 3,
 *   checked on a real daemon), so this fires for bridges dockerd did not create;
 * - conntrack: entries pointing at addresses of docker subnets that no running container has;
 * - config-conflict: daemon.json and the running dockerd's flags set the same key, so dockerd
 *   will refuse its next start.
 */
import type { Link, MachineState } from '../model.js'
import { NET_ADDR_SET } from '../net/kernel.js'
import { DOCKERD_DEFAULT_MTU } from '../net/mtu-limits.js'
import { bridgePorts, stableBridgeMac } from '../net/bridge-mac.js'
import { isDockerBridgeName } from '../dockerd/bridges.js'
import { configConflicts } from '../dockerd/config-keys.js'
import type { DaemonJson } from '../dockerd/config-file.js'
import { BRIDGE_MTU_OPTION, resolveSettings } from '../dockerd/settings.js'
import { DEFAULT_PLAN_OPTIONS } from '../model.js'
import { detectEgress, type Egress } from '../plan/index.js'
import { checkConntrack } from './conntrack-check.js'
import { checkNetworks } from './networks-check.js'
import { defaultBridgeOf, readErrorsOf } from './facts.js'
import type { Finding, RunningDockerd, Severity } from './types.js'




/**
 * The egress and the MTU it carries for containers of a dockerd with these flags, as the
 * planner detects it before any MTU the user set (we want the path's, not theirs).
 */
export function currentEgress(state: MachineState, argv: readonly string[], daemonJson: DaemonJson | null): Egress | null {
  const { dev, egress } = detectEgress(state, resolveSettings(argv, daemonJson), DEFAULT_PLAN_OPTIONS)
  // The egress named as the plan names it (IPv4 first); the MTU is what the path carries.
  return dev && egress ? { ...egress, dev } : null
}

/** The MTU a running dockerd gives containers on its default bridge, and where that comes from. */
export interface DockerdMtu {
  value: number
  source: string
  /** Someone chose it (a flag, daemon.json, or a non-default value the daemon reports). */
  explicit: boolean
}

/**
 * What the daemon runs with: its API's default bridge network option when we have it (the
 * value it applied at start), else its --mtu, else daemon.json "mtu" (as the file is now),
 * else dockerd's default 1500.
 */
export function dockerdMtu(d: RunningDockerd): DockerdMtu {
  const { mtu: chosen, fileMtu } = resolveSettings(d.argv, d.daemon_json)
  const flag = chosen?.flag ?? null
  const fromFlag = flag !== null ? chosen?.value ?? null : null
  const fromFile = fileMtu?.value ?? null
  const api = defaultBridgeNetwork(d)?.mtu ?? null
  const said = fromFlag !== null ? `its ${flag}` : fromFile !== null ? `daemon.json "mtu": ${fromFile}` : null
  if (api !== null) {
    return { value: api, source: said && (fromFlag ?? fromFile) === api ? said : 'the daemon\'s default bridge network, from its API', explicit: said !== null || api !== DOCKERD_DEFAULT_MTU }
  }
  if (fromFlag !== null) return { value: fromFlag, source: said!, explicit: true }
  if (fromFile !== null) return { value: fromFile, source: said!, explicit: true }
  return { value: DOCKERD_DEFAULT_MTU, source: 'dockerd\'s default, no --mtu', explicit: false }
}

function defaultBridgeNetwork(d: RunningDockerd) {
  return d.api.networks?.find((n) => n.name === 'bridge' && n.driver === 'bridge') ?? null
}

/**
 * Everything doctor has to say about this machine, in report order: links, egress, each
 * dockerd (MTU, drift, config conflicts, API, its networks), each docker bridge (MTU, MAC, ports),
 * conntrack, then the reader's own errors.
 */
export function diagnose(state: MachineState, running: RunningDockerd[]): Finding[] {
  const out: Finding[] = []
  const links = state.links ?? []
  if (links.length === 0) {
    out.push({
      check: 'links', severity: 'unknown', subject: 'links', message: `no network interface could be read${readErrorsOf(state, 'links')}`,
      fix: 'run doctor as root in the namespace (or dind container) where dockerd runs, with /sys mounted',
    })
  }

  const primary = running[0]
  const egress = currentEgress(state, primary?.argv ?? state.argv ?? [], primary ? primary.daemon_json : state.daemon_json ?? null)
  if (egress) out.push({ check: 'egress', severity: 'ok', subject: egress.dev, mtu: egress.mtu, message: egress.reason, fix: null })
  else if (links.length > 0) {
    out.push({ check: 'egress', severity: 'info', subject: 'egress', mtu: null, message: 'no default route for container traffic: no egress MTU to compare with', fix: null })
  }

  if (running.length === 0) {
    out.push({
      check: 'dockerd', severity: 'unknown', subject: 'dockerd', message: 'no dockerd process runs in this network namespace',
      fix: 'run doctor where dockerd runs: inside the dind container (docker exec CONTAINER dockerd-autonet doctor) or in its pod or namespace',
    })
  }
  // Loops, not push(...findings): thousands of bridges, networks or stale entries overflow call arguments.
  for (const d of running) for (const f of [...checkDockerd(d, egress), ...checkNetworks(d, egress)]) out.push(f)
  for (const f of checkBridges(links, running, egress)) out.push(f)
  for (const f of checkConntrack(state, running)) out.push(f)
  for (const e of state.read_errors ?? []) {
    out.push({ check: 'read', severity: 'info', subject: e.split(':')[0] || 'read', message: e, fix: null })
  }
  return out
}

function checkDockerd(d: RunningDockerd, egress: Egress | null): Finding[] {
  const out: Finding[] = []
  const who = `dockerd pid ${d.pid}`
  const mtu = dockerdMtu(d)
  const how = d.via_wrapper ? ', started through dockerd-autonet' : ''
  const since = d.started_at ? `, running since ${d.started_at}` : ''
  out.push({
    check: 'dockerd', severity: 'info', subject: who, mtu: mtu.value,
    message: `${who}${how}${since}: containers get mtu ${mtu.value} (${mtu.source})`, fix: null,
    data: { pid: d.pid, argv: d.argv, via_wrapper: d.via_wrapper, started_at: d.started_at, bridge: defaultBridgeOf(d) },
  })
  if (d.api.error && d.api.timed_out_after_ms !== undefined) {
    // The socket is served, so dockerd runs: the advice is about a slow daemon, not a missing one.
    out.push({
      check: 'api', severity: 'warn', subject: who,
      message: `${who}'s API${d.api.socket ? ` on ${d.api.socket}` : ''} accepted the connection but was too slow: timed out after ${d.api.timed_out_after_ms / 1000} s ` +
        `(${d.api.error}); the daemon runs but is busy or stuck (often waiting on containerd or its storage), so docker commands wait too; running containers unknown`,
      fix: 'look at dockerd\'s log and the machine\'s load, then run doctor again once the API answers',
    })
  } else if (d.api.error) {
    out.push({
      check: 'api', severity: 'info', subject: who,
      message: `could not ask ${who}'s API${d.api.socket ? ` on ${d.api.socket}` : ''}: ${d.api.error}; running containers unknown`,
      fix: 'run doctor as root where the daemon\'s unix socket is reachable to check conntrack entries against running containers',
    })
  }
  if (egress) {
    const data = { pid: d.pid, dockerd_mtu: mtu.value, egress: egress.dev, egress_mtu: egress.mtu }
    if (mtu.value > egress.mtu) {
      const after = 'then recreate the containers: a veth keeps the MTU it was created with'
      out.push(mtu.explicit
        ? {
            check: 'drift', severity: 'problem', subject: who, mtu: mtu.value, data,
            message: `${who} runs with mtu ${mtu.value} (${mtu.source}) but the egress ${egress.dev} now has mtu ${egress.mtu}: ` +
              'the egress or its MTU changed after dockerd started (routes can change after start, moby#18108), or the value was too large from the start; ' +
              `packets larger than ${egress.mtu} from containers are lost (PMTU black hole)`,
            fix: `restart dockerd through dockerd-autonet so it plans --mtu=${egress.mtu} from the egress as it is now (or set --mtu=${egress.mtu} yourself); ${after}`,
          }
        : {
            check: 'mtu', severity: 'problem', subject: who, mtu: mtu.value, data,
            message: `${who} gives containers mtu ${mtu.value} (${mtu.source}) but the egress ${egress.dev} has mtu ${egress.mtu}: ` +
              `packets larger than ${egress.mtu} from containers are lost (PMTU black hole)`,
            fix: `start dockerd through dockerd-autonet (it plans --mtu=${egress.mtu}), or add --mtu=${egress.mtu} (daemon.json "mtu": ${egress.mtu}); ${after}`,
          })
    } else if (mtu.value < egress.mtu && mtu.explicit) {
      out.push({
        check: 'drift', severity: 'info', subject: who, mtu: mtu.value, data,
        message: `${who} runs with mtu ${mtu.value} (${mtu.source}), smaller than the egress ${egress.dev} mtu ${egress.mtu}: ` +
          'this works, but the egress MTU may have grown since dockerd started',
        fix: `optional: restart dockerd through dockerd-autonet at a quiet moment to use mtu ${egress.mtu}`,
      })
    } else {
      out.push({ check: 'mtu', severity: 'ok', subject: who, mtu: mtu.value, data, message: `mtu ${mtu.value} fits the egress ${egress.dev} mtu ${egress.mtu}`, fix: null })
    }
  }
  // daemon.json edited after start: the next restart behaves differently.
  const api = defaultBridgeNetwork(d)?.mtu ?? null
  const settings = resolveSettings(d.argv, d.daemon_json)
  const fileMtu = settings.fileMtu?.value ?? null
  if (api !== null && fileMtu !== null && fileMtu !== api && !settings.mtu?.flag) {
    const tooBig = egress !== null && fileMtu > egress.mtu
    out.push({
      check: 'drift', severity: 'warn', subject: who, mtu: fileMtu,
      message: `${d.daemon_json_path} now sets "mtu": ${fileMtu} but ${who} runs with ${api}: the file changed after dockerd started; its next start uses ${fileMtu}`,
      fix: tooBig ? `lower "mtu" in ${d.daemon_json_path} to ${egress!.mtu} before dockerd restarts` : 'restart dockerd when convenient for the file to take effect',
    })
  }
  for (const c of configConflicts(settings.flags, d.daemon_json)) {
    out.push({
      check: 'config-conflict', severity: 'problem', subject: who,
      message: `"${c.key}" is set both in ${d.daemon_json_path} (${JSON.stringify(c.value)}) and as ${who}'s flag ${c.flag.text}: ` +
        'dockerd will refuse its next start ("the following directives are specified both as a flag and in the configuration file")',
      fix: `remove "${c.key}" from ${d.daemon_json_path} or the flag ${c.flag.text} before dockerd restarts`,
      data: { pid: d.pid, key: c.key, flag: c.flag.text },
    })
  }
  if (d.daemon_json_error) {
    out.push({
      check: 'config-conflict', severity: 'warn', subject: who, message: `${who}'s config file: ${d.daemon_json_error}`,
      fix: `fix ${d.daemon_json_path} before dockerd restarts: dockerd refuses to start on a config file it cannot read`,
    })
  }
  return out
}

function checkBridges(links: Link[], running: RunningDockerd[], egress: Egress | null): Finding[] {
  const out: Finding[] = []
  const byName = new Map(links.map((l) => [l.name, l]))
  // Which dockerd (and which of its networks) each bridge belongs to.
  const owners = new Map<string, { d: RunningDockerd, network: string | null }>()
  for (const d of running) {
    owners.set(defaultBridgeOf(d), { d, network: 'bridge' })
    for (const n of d.api.networks ?? []) if (n.bridge && !owners.has(n.bridge)) owners.set(n.bridge, { d, network: n.name })
  }
  const names = links.filter((l) => l.type === 'bridge' && (isDockerBridgeName(l.name) || owners.has(l.name))).map((l) => l.name)
  const macs = links.map((l) => l.mac)
  for (const name of names) {
    const bridge = byName.get(name)!
    const ports = bridgePorts(links, name)
    const owner = owners.get(name)
    const whose = owner ? `dockerd pid ${owner.d.pid}${owner.network ? `, network "${owner.network}"` : ''}` : 'no running dockerd names it'
    const tooBig = egress !== null && bridge.mtu > egress.mtu
    const isDefault = owner !== undefined && defaultBridgeOf(owner.d) === name
    const remedy = !egress ? '' : isDefault || !owner
      ? `give dockerd --mtu=${egress.mtu} (dockerd-autonet plans it) and recreate the containers on ${name}`
      : `recreate network "${owner.network}" with --opt ${BRIDGE_MTU_OPTION}=${egress.mtu} (Docker Engine 24+: dockerd --default-network-opt=bridge=${BRIDGE_MTU_OPTION}=${egress.mtu}) and reattach its containers`
    out.push({
      check: 'bridge', severity: tooBig ? (ports.length > 0 ? 'problem' : 'warn') : 'ok', subject: name, mtu: bridge.mtu,
      message: `bridge ${name} (${whose}): mtu ${bridge.mtu}, ${ports.length} port${ports.length === 1 ? '' : 's'}` +
        (tooBig ? `; larger than the egress ${egress!.dev} mtu ${egress!.mtu}${ports.length ? '' : ' (no container attached yet)'}` : ''),
      fix: tooBig ? remedy : null,
      data: { ports: ports.map((p) => p.name), mac: bridge.mac, addr_assign_type: bridge.addr_assign_type ?? null, addrs: bridge.addrs ?? [] },
    })
    for (const p of ports) {
      const big = egress !== null && p.mtu > egress.mtu
      out.push({
        check: 'port', severity: big ? 'problem' : 'ok', subject: p.name, mtu: p.mtu,
        message: `${p.type === 'veth' ? 'container veth' : `${p.type} port`} ${p.name} on ${name}: mtu ${p.mtu}` +
          (big ? `; larger than the egress ${egress!.dev} mtu ${egress!.mtu}: the container behind it sends packets the egress cannot carry` : ''),
        fix: big ? `recreate the container behind ${p.name} once ${name}'s network has mtu ${egress!.mtu}: a veth keeps the MTU it was created with` : null,
      })
    }
    const assign = bridge.addr_assign_type
    if (typeof assign === 'number' && assign !== NET_ADDR_SET) {
      out.push({
        check: 'bridge-mac', severity: ports.length > 0 ? 'problem' : 'warn', subject: name,
        message: `bridge ${name} has no fixed MAC (addr_assign_type ${assign}, now ${bridge.mac ?? 'unknown'}): it takes the lowest MAC among its ports, ` +
          `so the gateway MAC containers have cached changes as containers come and go (${ports.length} port${ports.length === 1 ? '' : 's'} now); ` +
          'dockerd creates its own bridges with a fixed MAC, so this one was made by someone else',
        fix: `pin it: ip link set dev ${name} address ${stableBridgeMac(name, macs)} (dockerd-autonet pins a --bridge it did not create at start)`,
        data: { mac: bridge.mac, addr_assign_type: assign },
      })
    }
  }
  return out
}



/** Exit code of doctor: 1 when anything is broken, else 2 when an essential check could not be made, else 0. */
export function exitCodeOf(findings: Finding[]): 0 | 1 | 2 {
  if (findings.some((f) => f.severity === 'problem')) return 1
  if (findings.some((f) => f.severity === 'unknown')) return 2
  return 0
}

/** Counts per severity, for the summary line. */
export function countBySeverity(findings: Finding[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { ok: 0, info: 0, warn: 0, problem: 0, unknown: 0 }
  for (const f of findings) counts[f.severity]++
  return counts
}
