/**
 * Ensure a bridge for a second dockerd exists, with its gateway address and a fixed MAC from
 * birth, and is up. dockerd only ever creates docker0 itself; `--bridge=NAME` expects the bridge
 * to exist (dockerd docs, "Use a custom bridge").
 */
import type { Logger } from '../log.js'
import { describeFailure, type Runner } from '../tools/runner.js'
import { parseIpAddrJson, parseIpLinkKinds } from '../tools/iproute2.js'

/**
 * Creates `name` as a bridge with `mac` and `cidr` (gateway address, e.g. 10.99.0.1/24) and sets
 * it up; each step only when it is missing, so a restart repeats nothing.
 * @returns the changes made, as log lines (empty when all was in place).
 * @throws Error naming the bridge and the failing `ip` command, or naming the link of that name
 *   when it is not a bridge (`ip -j -d link show` linkinfo.info_kind): nothing is changed on it.
 */
export async function ensureBridge(name: string, cidr: string, mac: string, run: Runner, log: Logger): Promise<string[]> {
  const changes: string[] = []
  const ip = async (args: string[]) => {
    const r = await run('ip', args)
    if (r.exitCode !== 0) throw new Error(`bridge ${name}: ${describeFailure('ip', args, r)}`)
    return r.stdout
  }
  const shown = await run('ip', ['-j', '-d', 'link', 'show', 'dev', name])
  const exists = shown.exitCode === 0
  if (exists) {
    // The planner saw no such link, or a bridge; one may have appeared since (a CNI's veth).
    // Someone else's link is never addressed or set up as ours.
    const kind = parseIpLinkKinds(JSON.parse(shown.stdout || '[]')).get(name) ?? null
    if (kind !== 'bridge') throw new Error(`bridge ${name}: exists as ${kind ? `a ${kind}` : 'a link of no kind (a device)'}, not a bridge: not taken over (no address added, not set up)`)
  } else {
    await ip(['link', 'add', 'name', name, 'address', mac, 'type', 'bridge'])
    changes.push(`created bridge ${name} with MAC ${mac}`)
  }
  const has = parseIpAddrJson(JSON.parse((await ip(['-j', 'addr', 'show', 'dev', name])) || '[]')).get(name)?.includes(cidr) ?? false
  if (!has) {
    await ip(['addr', 'add', cidr, 'dev', name])
    changes.push(`added ${cidr} to ${name}`)
  }
  // Setting a link up that is up already changes nothing, so it needs no check of its own.
  await ip(['link', 'set', 'dev', name, 'up'])
  for (const c of changes) log.info(c)
  return changes
}
