/**
 * The Engine API's answers, as the facts we use: running containers and their addresses
 * (`GET /containers/json`), networks with their bridge, MTU option and subnets (`GET /networks`),
 * and an inspected container's addresses and published UDP ports (`GET /containers/ID/json`).
 */
import { BRIDGE_MTU_OPTION } from './settings.js'

/** One container the daemon's API lists as running, with the addresses it holds. */
export interface ContainerInfo {
  id: string
  name: string
  /** IPv4 and IPv6 addresses of every network the container is on (no prefix length). */
  ips: string[]
}

/** One network of the daemon (`GET /networks`), the facts doctor uses. */
export interface NetworkInfo {
  name: string
  id: string
  driver: string
  /** The Linux bridge behind a bridge network (com.docker.network.bridge.name, else br-<id12>); null for other drivers. */
  bridge: string | null
  /** com.docker.network.driver.mtu as the daemon holds it for this network; null when unset. */
  mtu: number | null
  /** IPAM subnets (CIDR). */
  subnets: string[]
  /** The compose project that made it (label com.docker.compose.project); absent when none did. */
  compose_project?: string
}

/** The label docker compose puts on the networks (and containers) of a project. */
export const COMPOSE_PROJECT_LABEL = 'com.docker.compose.project'

/** Containers and their addresses from a `GET /containers/json` answer. */
export function parseContainers(json: unknown): ContainerInfo[] {
  if (!Array.isArray(json)) throw new Error('GET /containers/json: expected a list')
  return json.map((c: any) => {
    const ips: string[] = []
    for (const n of Object.values<any>(c?.NetworkSettings?.Networks ?? {})) {
      for (const a of [n?.IPAddress, n?.GlobalIPv6Address]) if (typeof a === 'string' && a) ips.push(a)
    }
    const name = Array.isArray(c?.Names) && typeof c.Names[0] === 'string' ? c.Names[0].replace(/^\//, '') : ''
    return { id: String(c?.Id ?? '').slice(0, 12), name, ips }
  })
}

/** Networks from a `GET /networks` answer: bridge device, MTU option, subnets and compose project. */
export function parseNetworks(json: unknown): NetworkInfo[] {
  if (!Array.isArray(json)) throw new Error('GET /networks: expected a list')
  return json.map((n: any) => {
    const opts = n?.Options ?? {}
    const id = String(n?.Id ?? '')
    const driver = String(n?.Driver ?? '')
    const mtu = Number(opts[BRIDGE_MTU_OPTION])
    const named = typeof opts['com.docker.network.bridge.name'] === 'string' ? opts['com.docker.network.bridge.name'] : null
    const project = n?.Labels?.[COMPOSE_PROJECT_LABEL]
    const info: NetworkInfo = {
      name: String(n?.Name ?? ''),
      id: id.slice(0, 12),
      driver,
      bridge: driver === 'bridge' ? named ?? `br-${id.slice(0, 12)}` : null,
      mtu: Number.isInteger(mtu) && mtu > 0 ? mtu : null,
      subnets: (Array.isArray(n?.IPAM?.Config) ? n.IPAM.Config : []).map((c: any) => c?.Subnet).filter((s: unknown): s is string => typeof s === 'string' && s !== ''),
    }
    if (typeof project === 'string' && project !== '') info.compose_project = project
    return info
  })
}

/** One published UDP port of a container, from `docker inspect` NetworkSettings.Ports. */
export interface PublishedUdpPort {
  /** Host address it is published on; null for all addresses (0.0.0.0, ::, empty). */
  hostIp: string | null
  hostPort: number
  containerPort: number
}

/** The published UDP ports of an inspected container (`GET /containers/ID/json`). */
export function publishedUdpPorts(inspect: unknown): PublishedUdpPort[] {
  const ports = (inspect as { NetworkSettings?: { Ports?: Record<string, unknown> } })?.NetworkSettings?.Ports
  const out: PublishedUdpPort[] = []
  if (!ports || typeof ports !== 'object') return out
  for (const [key, bindings] of Object.entries(ports)) {
    const m = /^(\d+)\/udp$/.exec(key)
    if (!m || !Array.isArray(bindings)) continue
    for (const b of bindings as { HostIp?: unknown, HostPort?: unknown }[]) {
      const hostPort = Number(b?.HostPort)
      if (!Number.isInteger(hostPort) || hostPort <= 0) continue
      const ip = typeof b?.HostIp === 'string' ? b.HostIp : ''
      const hostIp = ip === '' || ip === '0.0.0.0' || ip === '::' ? null : ip
      if (!out.some((p) => p.hostIp === hostIp && p.hostPort === hostPort)) out.push({ hostIp, hostPort, containerPort: Number(m[1]) })
    }
  }
  return out
}

/** The container's addresses on every network it joined (IPv4 and global IPv6). */
export function containerAddresses(inspect: unknown): string[] {
  const ns = (inspect as { NetworkSettings?: Record<string, unknown> })?.NetworkSettings
  const out = new Set<string>()
  const add = (v: unknown) => { if (typeof v === 'string' && v) out.add(v) }
  add(ns?.IPAddress)
  add(ns?.GlobalIPv6Address)
  for (const n of Object.values((ns?.Networks ?? {}) as Record<string, { IPAddress?: unknown, GlobalIPv6Address?: unknown }>)) {
    add(n?.IPAddress)
    add(n?.GlobalIPv6Address)
  }
  return [...out]
}
