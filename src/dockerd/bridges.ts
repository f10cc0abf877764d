/**
 * The bridges dockerd makes itself and their defaults (moby libnetwork bridge driver; dockerd
 * reference, "Customize the docker0 bridge").
 */

/** The default bridge's gateway address when no --bip is given. */
export const DOCKER0_DEFAULT_BIP = '172.17.0.1/16'

/** dockerd's default bridge subnet when nothing else is configured. */
export const DOCKER0_DEFAULT_SUBNET = '172.17.0.0/16'

/** True for the bridge of a network made with `docker network create`: br-<first 12 hex digits of its id>. */
export function isNetworkBridgeName(name: string): boolean {
  return /^br-[0-9a-f]{12}$/.test(name)
}

/** True for the bridges dockerd itself creates: docker0 and br-<network id>. */
export function isDockerBridgeName(name: string): boolean {
  return name === 'docker0' || isNetworkBridgeName(name)
}
