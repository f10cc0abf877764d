/**
 * The two questions doctor asks a running daemon over its unix socket (read/docker-api.ts):
 * which containers run, with which addresses (`GET /containers/json`), and which networks exist,
 * with their bridge, MTU option and subnets (`GET /networks`).
 */
import { BRIDGE_MTU_OPTION } from '../plan/plan.js'
import { getJson } from '../read/docker-api.js'
import type { ContainerInfo, DockerApiFacts, NetworkInfo } from './types.js'

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

/** Networks from a `GET /networks` answer: bridge device, MTU option and subnets. */
export function parseNetworks(json: unknown): NetworkInfo[] {
  if (!Array.isArray(json)) throw new Error('GET /networks: expected a list')
  return json.map((n: any) => {
    const opts = n?.Options ?? {}
    const id = String(n?.Id ?? '')
    const driver = String(n?.Driver ?? '')
    const mtu = Number(opts[BRIDGE_MTU_OPTION])
    const named = typeof opts['com.docker.network.bridge.name'] === 'string' ? opts['com.docker.network.bridge.name'] : null
    return {
      name: String(n?.Name ?? ''),
      id: id.slice(0, 12),
      driver,
      bridge: driver === 'bridge' ? named ?? `br-${id.slice(0, 12)}` : null,
      mtu: Number.isInteger(mtu) && mtu > 0 ? mtu : null,
      subnets: (Array.isArray(n?.IPAM?.Config) ? n.IPAM.Config : []).map((c: any) => c?.Subnet).filter((s: unknown): s is string => typeof s === 'string' && s !== ''),
    }
  })
}

/** Asks the daemon on `socketPath` (as reachable from here) for containers and networks; never rejects. */
export async function readDockerApi(socketPath: string | null, shownAs: string | null, timeoutMs = 3000): Promise<DockerApiFacts> {
  if (!socketPath) return { socket: null, error: 'it listens on no unix socket', containers: null, networks: null }
  try {
    const [containers, networks] = await Promise.all([getJson(socketPath, '/containers/json', { timeoutMs }), getJson(socketPath, '/networks', { timeoutMs })])
    return { socket: shownAs ?? socketPath, error: null, containers: parseContainers(containers), networks: parseNetworks(networks) }
  } catch (e) {
    return { socket: shownAs ?? socketPath, error: (e as Error).message, containers: null, networks: null }
  }
}
