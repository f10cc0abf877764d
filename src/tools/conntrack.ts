/**
 * Connection-tracking entries from conntrack-tools (`conntrack -L`), so the planner can find
 * flows stuck with a pre-restart NAT decision (e.g. UDP reply tuples pointing at a container
 * address that was never masqueraded).
 *
 * Line format (conntrack-tools 1.4.7, recorded in test/fixtures/read/conntrack-*.txt):
 *   [ipv4 2 ]udp 17 29 [STATE ]src=… dst=… sport=… dport=… [[UNREPLIED] ]src=… dst=… sport=… dport=… [[ASSURED] ]mark=0 use=1
 * The first src/dst group is the original direction, the second the reply direction.
 */
import { digest } from '../digest.js'
import type { ConntrackEntry, ConntrackTuple } from '../model.js'
import { addressFamily } from '../net/prefix.js'
import { defaultRunner, describeFailure, EXIT_NOT_STARTED, type Runner } from './runner.js'

/**
 * Parses `conntrack -L` output, plain or `-o extended` (leading "ipv4 2"), into entries.
 * Lines that are not entries (the "N flow entries have been shown" summary, blanks) are skipped.
 *
 * id: "ct-" + 12 hex digits of a SHA-1 over family, protocol, zone and the original-direction
 * tuple (every key=value of it, so ICMP type/code/id count too). The original tuple identifies
 * a flow within a zone, so the id is the same in every listing while the flow lives, whatever
 * the order of lines or the entries added meanwhile — what apply needs to delete the entry the
 * plan named. A repeat (not expected from the kernel) gets "-2", "-3"….
 *
 * family: from the extended prefix, else inferred ("ipv6" when the address contains ":").
 * state: the TCP/SCTP/DCCP state word (ESTABLISHED, TIME_WAIT…), null when the line has none.
 * flags: the bracketed words ([UNREPLIED], [ASSURED], [OFFLOAD]…) without brackets.
 */
export function parseConntrackList(text: string): ConntrackEntry[] {
  const entries: ConntrackEntry[] = []
  const seen = new Map<string, number>()
  for (const line of text.split('\n')) {
    const e = parseConntrackLine(line)
    if (!e) continue
    const n = (seen.get(e.id) ?? 0) + 1
    seen.set(e.id, n)
    if (n > 1) e.id = `${e.id}-${n}`
    entries.push(e)
  }
  return entries
}

/** One `conntrack -L` line as an entry, or null when the line is not one. */
export function parseConntrackLine(line: string): ConntrackEntry | null {
  const tokens = line.trim().split(/\s+/)
  let i = 0
  let family: 'ipv4' | 'ipv6' | undefined
  if (tokens[0] === 'ipv4' || tokens[0] === 'ipv6') {
    family = tokens[0]
    i = 2
  }
  const proto = tokens[i]
  // proto name, proto number, seconds left: anything else is not an entry line.
  if (!proto || !/^[a-z0-9-]+$/.test(proto) || !/^\d+$/.test(tokens[i + 1] ?? '') || !/^\d+$/.test(tokens[i + 2] ?? '')) return null
  const protonum = Number(tokens[i + 1])
  i += 3
  let state: string | null = null
  if (/^[A-Z_]+$/.test(tokens[i] ?? '')) state = tokens[i++]

  const flags: string[] = []
  const directions: Array<Array<[string, string]>> = []
  let zone = ''
  let tuplesDone = false
  for (; i < tokens.length; i++) {
    const t = tokens[i]
    const flag = /^\[(.+)\]$/.exec(t)
    if (flag) { flags.push(flag[1]); continue }
    const eq = t.indexOf('=')
    if (eq <= 0) continue
    const key = t.slice(0, eq)
    const value = t.slice(eq + 1)
    if (key === 'zone') zone = value
    if (tuplesDone) continue
    if (!isTupleKey(key)) {
      // mark=, use=, and the id= that `-o id` appends come after the reply tuple.
      if (directions.length >= 2) tuplesDone = true
      continue
    }
    if (key === 'src') directions.push([])
    if (directions.length > 0) directions[directions.length - 1].push([key, value])
  }
  if (directions.length < 2) return null
  const orig = tupleOf(directions[0])
  const reply = tupleOf(directions[1])
  if (!orig || !reply) return null
  const fam = family ?? (orig.src.includes(':') ? 'ipv6' : 'ipv4')
  const key = [fam, proto, zone, ...directions[0].map(([k, v]) => `${k}=${v}`)].join(' ')
  return {
    id: `ct-${digest('sha1', key).toString('hex').slice(0, 12)}`,
    proto,
    protonum,
    state,
    flags,
    orig,
    reply,
    family: fam,
  }
}

/** Keys that are part of a direction's tuple (ports for TCP/UDP/SCTP, type/code/id for ICMP). */
function isTupleKey(key: string): boolean {
  return ['src', 'dst', 'sport', 'dport', 'type', 'code', 'id'].includes(key)
}

function tupleOf(pairs: Array<[string, string]>): ConntrackTuple | null {
  const get = (k: string) => pairs.find(([key]) => key === k)?.[1]
  const src = get('src')
  const dst = get('dst')
  if (!src || !dst) return null
  const tuple: ConntrackTuple = { src, dst }
  const sport = get('sport')
  const dport = get('dport')
  if (sport !== undefined) tuple.sport = Number(sport)
  if (dport !== undefined) tuple.dport = Number(dport)
  return tuple
}

/**
 * Lists IPv4 and IPv6 entries with `conntrack -L -f ipv4` and `conntrack -L -f ipv6`.
 * The family is always given: conntrack-tools 1.4.7 lists both families without `-f`, older
 * releases only IPv4, so a bare `-L` plus `-f ipv6` would list IPv6 entries twice on one and
 * not at all on the other.
 *
 * Never throws. When the tool is missing or lacks CAP_NET_ADMIN, entries is null (unknown, not
 * "none") and `errors` says why. If only one family fails, the other's entries are kept and the
 * failure is noted.
 */
export async function readConntrack(run: Runner = defaultRunner): Promise<{ entries: ConntrackEntry[] | null, errors: string[] }> {
  const entries: ConntrackEntry[] = []
  const errors: string[] = []
  let anyOk = false
  for (const family of ['ipv4', 'ipv6'] as const) {
    const args = ['-L', '-f', family]
    const r = await run('conntrack', args)
    if (r.exitCode === 0) {
      anyOk = true
      // A loop, not push(...list): a busy host's table (262,144 entries) overflows call arguments.
      for (const e of parseConntrackList(r.stdout)) entries.push(e)
      continue
    }
    errors.push(`conntrack: ${describeFailure('conntrack', args, r)}${conntrackHint(r)}`)
    // Missing tool or missing privilege fails the same way for the other family: say it once.
    if (conntrackUnusable(r)) break
  }
  return anyOk ? { entries, errors } : { entries: null, errors }
}

function isPermissionProblem(stderr: string | undefined): boolean {
  return /must be root|CAP_NET_ADMIN|Operation not permitted|Permission denied/i.test(stderr ?? '')
}

/**
 * True when a conntrack run failed because the tool cannot be used here at all (not installed,
 * or no root / CAP_NET_ADMIN), as opposed to failing for one entry: the same answer will come
 * for every other call, so callers stop.
 */
export function conntrackUnusable(r: { exitCode: number, stderr?: string }): boolean {
  return r.exitCode === EXIT_NOT_STARTED || isPermissionProblem(r.stderr)
}

/** Thrown when conntrack cannot be used here at all (see conntrackUnusable); the message names the command. */
export class ConntrackUnusableError extends Error {
  override name = 'ConntrackUnusableError'
}

function conntrackHint(r: { exitCode: number, stderr?: string }): string {
  if (r.exitCode === EXIT_NOT_STARTED) return '; conntrack-tools not installed, entries unknown'
  if (isPermissionProblem(r.stderr)) return '; needs root or CAP_NET_ADMIN, entries unknown'
  return ''
}

/** conntrack(8) arguments selecting one entry by its original tuple. */
export function conntrackDeleteArgs(e: ConntrackEntry): string[] {
  const args = ['-D', '-f', familyOf(e), '-p', protocolOf(e), '--orig-src', e.orig.src, '--orig-dst', e.orig.dst]
  if (e.orig.sport !== undefined) args.push('--orig-port-src', String(e.orig.sport))
  if (e.orig.dport !== undefined) args.push('--orig-port-dst', String(e.orig.dport))
  return args
}

/**
 * The same selection as a command to paste (doctor's fix line): short options, `-f` only for
 * IPv6, ports only when the entry has both.
 */
export function conntrackDeleteCommand(e: ConntrackEntry): string {
  const ports = e.orig.sport !== undefined && e.orig.dport !== undefined ? ` --sport ${e.orig.sport} --dport ${e.orig.dport}` : ''
  const family = familyOf(e) === 'ipv6' ? ' -f ipv6' : ''
  return `conntrack -D${family} -p ${protocolOf(e)} -s ${e.orig.src} -d ${e.orig.dst}${ports}`
}

/** The entry's family; inferred from its source address when the reader did not say. */
function familyOf(e: ConntrackEntry): 'ipv4' | 'ipv6' {
  return e.family ?? (addressFamily(e.orig.src) === 6 ? 'ipv6' : 'ipv4')
}

/**
 * conntrack(8)'s -p value: conntrack-tools names only the protocols it has modules for; the
 * others (listed as "unknown": IGMP, ESP, …) are selected by number.
 */
function protocolOf(e: ConntrackEntry): string {
  return NAMED_PROTOCOLS.has(e.proto) || e.protonum === undefined ? e.proto : String(e.protonum)
}

/** Protocols conntrack(8) takes by name (its protocol extensions). */
const NAMED_PROTOCOLS = new Set(['tcp', 'udp', 'udplite', 'sctp', 'dccp', 'gre', 'icmp', 'icmpv6'])
