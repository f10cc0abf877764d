/**
 * The two questions doctor asks a running daemon over its unix socket (src/dockerd/engine-api.ts):
 * which containers run, with which addresses, and which networks exist, with their bridge, MTU
 * option and subnets.
 */
import { engineApi } from '../dockerd/engine-api.js'
import { parseContainers, parseNetworks } from '../dockerd/engine-objects.js'
import type { DockerApiFacts } from './types.js'

/** Asks the daemon on `socketPath` (as reachable from here) for containers and networks; never rejects. */
export async function readDockerApi(socketPath: string | null, shownAs: string | null, timeoutMs = 3000): Promise<DockerApiFacts> {
  if (!socketPath) return { socket: null, error: 'it listens on no unix socket', containers: null, networks: null }
  try {
    const api = engineApi(socketPath, timeoutMs)
    const [containers, networks] = await Promise.all([api.containers(), api.networks()])
    return { socket: shownAs ?? socketPath, error: null, containers: parseContainers(containers), networks: parseNetworks(networks) }
  } catch (e) {
    return { socket: shownAs ?? socketPath, error: (e as Error).message, containers: null, networks: null }
  }
}
