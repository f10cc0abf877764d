/**
 * Reading the user's dockerd arguments the way dockerd's own flag parser (spf13/pflag) does,
 * so that every spelling of a flag is found: `--mtu 1400`, `--mtu=1400`, `-b br0`, `-bbr0`,
 * `-b=br0`, `--bridge=br0`, repeated flags. We never rewrite the user's argv; we only ask
 * questions about it.
 *
 * Source of the flag table: `dockerd --help` of Docker Engine 20.10 to 27 and
 * docs/reference/dockerd.md (docker/cli).
 */

/** One flag occurrence in argv. */
export interface FlagUse {
  /** Long name without dashes ("mtu", "bridge", "host"). */
  name: string
  /** Its value; "true" for a bare boolean flag. */
  value: string
  /** Index of the flag token in argv. */
  index: number
  /** The text as the user wrote it, for messages ("-H fd://"). */
  text: string
}

/** Shorthands of dockerd (pflag `-X`). */
const SHORTHANDS: Record<string, string> = {
  b: 'bridge', D: 'debug', G: 'group', H: 'host', l: 'log-level', p: 'pidfile', s: 'storage-driver',
  v: 'version', h: 'help', g: 'graph', e: 'exec-driver',
}

/** dockerd's boolean flags: they never take the next argument as their value. */
const BOOLEAN_FLAGS = new Set([
  'debug', 'experimental', 'help', 'icc', 'init', 'ip-forward', 'ip-masq', 'ip6tables', 'iptables',
  'ipv6', 'live-restore', 'no-new-privileges', 'raw-logs', 'rootless', 'selinux-enabled', 'tls',
  'tlsverify', 'userland-proxy', 'version', 'validate', 'cri-containerd', 'allow-direct-routing',
])

/**
 * Every flag occurrence in a dockerd argv, in order.
 * dockerd takes no positional arguments, so for a flag we do not know, a following token that
 * does not start with "-" is its value; a known boolean never takes the next token.
 * A lone "--" ends flag parsing (pflag): what follows is not read as flags.
 */
export function parseDockerdFlags(argv: readonly string[]): FlagUse[] {
  const uses: FlagUse[] = []
  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i]
    if (tok === '--') break
    if (tok.startsWith('--') && tok.length > 2) {
      const eq = tok.indexOf('=')
      const name = eq === -1 ? tok.slice(2) : tok.slice(2, eq)
      if (eq !== -1) { uses.push({ name, value: tok.slice(eq + 1), index: i, text: tok }); continue }
      if (takesValue(name, argv[i + 1])) {
        uses.push({ name, value: argv[i + 1], index: i, text: `${tok} ${argv[i + 1]}` })
        i++
      } else {
        uses.push({ name, value: 'true', index: i, text: tok })
      }
      continue
    }
    if (tok.startsWith('-') && tok.length > 1) {
      const name = SHORTHANDS[tok[1]] ?? tok[1]
      const rest = tok.slice(2)
      if (BOOLEAN_FLAGS.has(name)) {
        uses.push({ name, value: rest.startsWith('=') ? rest.slice(1) : 'true', index: i, text: tok })
      } else if (rest.length > 0) {
        uses.push({ name, value: rest.startsWith('=') ? rest.slice(1) : rest, index: i, text: tok })
      } else if (i + 1 < argv.length) {
        uses.push({ name, value: argv[i + 1], index: i, text: `${tok} ${argv[i + 1]}` })
        i++
      }
    }
  }
  return uses
}

function takesValue(name: string, next: string | undefined): boolean {
  if (next === undefined || BOOLEAN_FLAGS.has(name)) return false
  return KNOWN_VALUE_FLAGS.has(name) || !next.startsWith('-')
}

/** Value flags whose value may itself start with "-" (pflag consumes it regardless). */
const KNOWN_VALUE_FLAGS = new Set([
  'mtu', 'bridge', 'bip', 'host', 'label', 'log-opt', 'storage-opt', 'exec-opt', 'default-network-opt',
  'default-address-pool', 'fixed-cidr', 'fixed-cidr-v6', 'config-file', 'data-root', 'exec-root', 'pidfile',
])

/** The last value given for a flag (pflag: the last one wins for scalars), or null. */
export function lastFlagValue(uses: FlagUse[], name: string): FlagUse | null {
  const found = uses.filter((u) => u.name === name)
  return found.length ? found[found.length - 1] : null
}

/** Every value given for a repeatable flag, in order. */
export function flagValues(uses: FlagUse[], name: string): string[] {
  return uses.filter((u) => u.name === name).map((u) => u.value)
}

/** pflag's boolean parsing (strconv.ParseBool). */
export function isTrue(value: unknown): boolean {
  return value === true || (typeof value === 'string' && ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value))
}
