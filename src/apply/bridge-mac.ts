/**
 * Ensure a bridge's MAC is set explicitly (flannel's `Ensure…` style: read, change only what
 * differs, log the change made). Writing the address through netlink sets addr_assign_type to
 * NET_ADDR_SET (3), after which the bridge no longer follows its ports' MACs
 * (net/bridge/br_stp_if.c, br_stp_recalculate_bridge_id).
 */
import { readText } from '../files.js'
import type { Logger } from '../log.js'
import { NET_ADDR_SET } from '../net/kernel.js'
import { describeFailure, type Runner } from '../tools/runner.js'

/**
 * Sets `bridge`'s MAC to `mac` unless it already is that MAC and set explicitly.
 * @param readSysfs reads a sysfs file (tests read inside a test namespace through `ip netns exec`).
 * @returns true when a change was made.
 * @throws Error naming the bridge when it does not exist or `ip link set` fails.
 */
export async function ensureBridgeMac(bridge: string, mac: string, run: Runner, log: Logger,
  readSysfs: (path: string) => Promise<string> = readText): Promise<boolean> {
  let current: string
  let assign: number
  try {
    current = (await readSysfs(`/sys/class/net/${bridge}/address`)).trim().toLowerCase()
    assign = Number((await readSysfs(`/sys/class/net/${bridge}/addr_assign_type`)).trim())
  } catch (e) {
    throw new Error(`bridge ${bridge}: cannot read its MAC (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); does it exist?`)
  }
  if (current === mac.toLowerCase() && assign === NET_ADDR_SET) {
    log.debug(`bridge ${bridge}: MAC ${mac} already pinned`)
    return false
  }
  const args = ['link', 'set', 'dev', bridge, 'address', mac]
  const r = await run('ip', args)
  if (r.exitCode !== 0) throw new Error(`bridge ${bridge}: ${describeFailure('ip', args, r)}`)
  log.info(`bridge ${bridge}: MAC pinned to ${mac} (was ${current}, following its ports)`)
  return true
}
