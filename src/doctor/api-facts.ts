/**
 * The two questions doctor asks a running daemon over its unix socket (src/dockerd/engine-api.ts):
 * which containers run, with which addresses, and which networks exist, with their bridge, MTU
 * option and subnets.
 */
import { ApiTooSlowError, engineApi } from '../dockerd/engine-api.js'
import { parseContainers, parseNetworks } from '../dockerd/engine-objects.js'
import type { DockerApiFacts } from './types.js'

/**
 * Asks the daemon on `socketPath` (as reachable from here) for containers and networks, each
 * request bounded by `timeoutMs` of silence and twice that in all; never rejects. A daemon that
 * accepted the connection and answered too late gets `timed_out_after_ms`.
 */
export async function readDockerApi(socketPath: string | null, shownAs: string | null, timeoutMs = 3000): Promise<DockerApiFacts> {
  if (!socketPath) return { socket: null, error: 'it listens on no unix socket', containers: null, networks: null }
  try {
    const api = engineApi(socketPath, timeoutMs)
    const [containers, networks] = await Promise.all([api.containers(), api.networks()])
    return { socket: shownAs ?? socketPath, error: null, containers: parseContainers(containers), networks: parseNetworks(networks) }
  } catch (e) {
    const slow = e instanceof ApiTooSlowError ? { timed_out_after_ms: e.afterMs } : {}
    return { socket: shownAs ?? socketPath, error: (e as Error).message, ...slow, containers: null, networks: null }
  }
}
