/**
 * Which code carries out which action type: the one place run mode looks appliers up.
 * Each applier module is imported only when a plan has an action of its type.
 */
import type { Logger } from '../log.js'
import type { Runner } from '../tools/runner.js'
import type { Appliers } from './apply-actions.js'

/**
 * The appliers of this build, bound to `log` (each reports the changes it makes) and to the
 * reader's command runner (bounded timeouts, never throws for a failed command).
 * An action type without an entry is skipped with a warning by applyActions.
 */
export function defaultAppliers(log: Logger, run?: Runner): Appliers {
  const runner = async () => run ?? (await import('../tools/runner.js')).defaultRunner
  return {
    'pin-bridge-mac': async (a) => {
      const { ensureBridgeMac } = await import('./bridge-mac.js')
      await ensureBridgeMac(a.bridge, a.mac, await runner(), log)
    },
    'create-bridge': async (a) => {
      const { ensureBridge } = await import('./create-bridge.js')
      await ensureBridge(a.bridge, a.cidr, a.mac, await runner(), log)
    },
    'conntrack-delete': async (a) => {
      const { deleteConntrackEntries } = await import('./conntrack-delete.js')
      await deleteConntrackEntries(a.entries, await runner(), log)
    },
    'clamp-mss': async (a) => {
      const { ensureMssClamp } = await import('./clamp-mss.js')
      await ensureMssClamp(await runner(), log, a.ipv6)
    },
  }
}
