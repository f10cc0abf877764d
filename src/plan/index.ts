/**
 * The planner's public face: what the CLI and doctor may use. Everything else under src/plan is
 * its internals.
 */
export { dockerSubnets, type DockerSubnets } from './docker-subnets.js'
export { detectEgress, type EgressRoutes } from './egress-mtu.js'
export type { Egress } from './mtu.js'
export { planFromState } from './plan.js'
