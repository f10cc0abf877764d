/**
 * The machine's links, read at a small constant cost per link: one netlink dump
 * (`ip -j -d addr show`, which the reader needs anyway for addresses and kinds) gives every
 * Link field but two, and sysfs is asked only for those, only where a decision needs them:
 * `addr_assign_type` of bridges (the MAC pin) and DEVTYPE of links without a driver kind (a NIC
 * or Wi-Fi card; a handful on any machine). Reading every link's dozen sysfs files instead cost
 * 13 s and 660 MiB with 10,000 links (BENCHMARKS.md, part 7).
 *
 * When `ip` gives no JSON (busybox) the whole of sysfs is the fallback (sysfs-links.ts), with
 * the same Link fields and values; links then carry no `addrs`.
 */
import type { Link } from '../model.js'
import { asLinkType } from '../net/link-types.js'
import { isUsableMtu, LINK_MTU_MAX, LINK_MTU_MIN } from '../net/mtu-limits.js'
import { LINK_DUMP_ARGS, parseIpLinkJson, type IpLink } from '../tools/iproute2.js'
import { defaultRunner, describeFailure, type Runner } from '../tools/runner.js'
import { arphrdLinkType, linkTypeOf, macOf, readBridgeAddrAssign, readDevtype, readSysfsLinks } from './sysfs-links.js'

/**
 * Every link of this network namespace, sorted by ifindex, each with `addrs` when `ip` gives
 * JSON. Never throws. `errors` are snapshot read_errors, prefixed "links:" (a link left out,
 * naming it) or "addrs:" (no JSON from `ip`: sysfs was read instead, addresses unknown).
 *
 * A link whose MTU is not an integer in 68..65536 is left out with an error naming it and the
 * value, as the sysfs reader does.
 */
export async function readLinks(run: Runner = defaultRunner, sysClassNet = '/sys/class/net'): Promise<{ links: Link[], errors: string[] }> {
  const args = [...LINK_DUMP_ARGS]
  const r = await run('ip', args)
  let why: string
  if (r.exitCode === 0) {
    let dump: IpLink[] | null = null
    try {
      dump = parseIpLinkJson(JSON.parse(r.stdout.trim() || '[]'))
    } catch (e) {
      why = `output of \`ip ${args.join(' ')}\` is not JSON (${(e as Error).message})`
    }
    if (dump) return linksFromDump(dump, sysClassNet)
  } else {
    why = describeFailure('ip', args, r)
  }
  const fallback = await readSysfsLinks(sysClassNet)
  return { links: fallback.links, errors: [...fallback.errors.map((e) => `links: ${e}`), `addrs: ${why!}; link addresses unknown`] }
}

/**
 * Links from the parsed netlink dump, plus the two sysfs facts (see the module comment).
 * Link fields and values are those readSysfsLinks gives for the same kernel state (checked on
 * the recorded namespace, test/read/links.test.ts): `up` is IFF_UP; `carrier` is LOWER_UP, and
 * absent on a down link (the kernel sets IFF_LOWER_UP only while the device runs, and sysfs'
 * `carrier` answers EINVAL then); `mac` only for ethernet and loopback; `type` the driver's
 * kind, else what sysfs would say.
 */
export function linksFromDump(dump: IpLink[], sysClassNet = '/sys/class/net'): { links: Link[], errors: string[] } {
  const errors: string[] = []
  const links: Array<Link & { ifindex: number }> = []
  for (const l of dump) {
    if (l.mtu === null || !isUsableMtu(l.mtu)) {
      errors.push(`links: link ${l.name}: mtu ${JSON.stringify(l.mtu)} in \`ip ${LINK_DUMP_ARGS.join(' ')}\` is not an integer in ${LINK_MTU_MIN}..${LINK_MTU_MAX}; link left out`)
      continue
    }
    const up = l.flags.includes('UP')
    const link: Link & { ifindex: number } = {
      name: l.name,
      mtu: l.mtu,
      mac: macOf(l.arphrd, l.address),
      type: l.kind ? asLinkType(l.kind) : kindlessType(l, null),
      up,
      master: l.master,
      ifindex: l.ifindex ?? Number.MAX_SAFE_INTEGER,
    }
    if (up) link.carrier = l.flags.includes('LOWER_UP')
    if (!l.kind && needsDevtype(l)) link.type = kindlessType(l, readDevtype(l.name, sysClassNet))
    if (link.type === 'bridge') link.addr_assign_type = readBridgeAddrAssign(l.name, sysClassNet)
    link.addrs = l.addrs
    links.push(link)
  }
  links.sort((a, b) => a.ifindex - b.ifindex || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  return { links: links.map(({ ifindex: _ifindex, ...link }) => link), errors }
}

/** A link without a driver kind, typed from its ARPHRD and DEVTYPE as sysfs-links.ts does. */
function kindlessType(l: IpLink, devtype: string | null) {
  return linkTypeOf({
    arphrd: l.arphrd, devtype, isBridge: false, isBond: false, isTun: false,
    ifindex: l.ifindex, iflink: l.peered ? -1 : l.ifindex,
  })
}

/** Loopback and the L3 tunnels are settled by their ARPHRD alone; the rest may carry a DEVTYPE. */
function needsDevtype(l: IpLink): boolean {
  return arphrdLinkType(l.arphrd) === null
}
