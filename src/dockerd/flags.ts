/**
 * Reading the user's dockerd arguments the way dockerd's own flag parser (spf13/pflag) does,
 * so that every spelling of a flag is found: `--mtu 1400`, `--mtu=1400`, `-b br0`, `-bbr0`,
 * `-b=br0`, `--bridge=br0`, repeated flags. We never rewrite the user's argv; we only ask
 * questions about it.
 *
 * Source of the flag tables: `dockerd --help` of Docker Engine 20.10 to 28, moby
 * cmd/dockerd/{options,config,config_unix,daemon}.go and docs/reference/dockerd.md (docker/cli).
 * Checked against `dockerd --help` of 20.10.24, 26.1.5 and 28.5.2 (Debian bookworm, trixie, sid)
 * and their hidden flags (moby cmd/dockerd MarkHidden/MarkDeprecated: graph, restart,
 * cluster-*, network-diagnostic-port): every flag they have is in the tables. The tables are
 * a union over engines: a flag one engine dropped (graph, restart, oom-score-adjust) still counts.
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
  v: 'version', h: 'help', g: 'graph', e: 'exec-driver', r: 'restart',
}

/** dockerd's boolean flags: they never take the next argument as their value. */
export const BOOLEAN_FLAGS: ReadonlySet<string> = new Set([
  'debug', 'experimental', 'help', 'icc', 'init', 'ip-forward', 'ip-masq', 'ip6tables', 'iptables',
  'ipv6', 'live-restore', 'no-new-privileges', 'raw-logs', 'rootless', 'selinux-enabled', 'tls',
  'tlsverify', 'userland-proxy', 'version', 'validate', 'cri-containerd', 'allow-direct-routing',
  'ip-forward-no-drop', 'restart', 'disable-legacy-registry',
])

/**
 * dockerd's flags that take a value (every other flag of dockerd is a boolean above). pflag
 * gives such a flag the next word whatever it is, even one starting with "-": `--log-level
 * --mtu=1450` sets the log level to "--mtu=1450". Old flags (graph, exec-driver, cluster-*,
 * oom-score-adjust) are kept: an engine that still has them reads them so.
 */
const VALUE_FLAGS = new Set([
  'add-runtime', 'allow-nondistributable-artifacts', 'api-cors-header', 'authorization-plugin', 'bip', 'bip6',
  'bridge', 'bridge-accept-fwmark', 'cdi-spec-dir', 'cgroup-parent', 'cluster-advertise', 'cluster-store',
  'cluster-store-opt', 'config-file', 'containerd', 'containerd-namespace', 'containerd-plugins-namespace',
  'cpu-rt-period', 'cpu-rt-runtime', 'data-root', 'default-address-pool', 'default-cgroupns-mode',
  'default-gateway', 'default-gateway-v6', 'default-ipc-mode', 'default-network-opt', 'default-runtime',
  'default-shm-size', 'default-ulimit', 'dns', 'dns-opt', 'dns-search', 'exec-driver', 'exec-opt', 'exec-root',
  'feature', 'firewall-backend', 'fixed-cidr', 'fixed-cidr-v6', 'graph', 'group', 'host', 'host-gateway-ip',
  'http-proxy', 'https-proxy', 'init-path', 'insecure-registry', 'ip', 'label', 'log-driver', 'log-format',
  'log-level', 'log-opt', 'max-concurrent-downloads', 'max-concurrent-uploads', 'max-download-attempts',
  'metrics-addr', 'mtu', 'network-control-plane-mtu', 'network-diagnostic-port', 'no-proxy',
  'node-generic-resource', 'oom-score-adjust', 'pidfile', 'registry-mirror', 'seccomp-profile',
  'shutdown-timeout', 'storage-driver', 'storage-opt', 'swarm-default-advertise-addr', 'tlscacert', 'tlscert',
  'tlskey', 'userland-proxy-path', 'userns-remap',
])

/**
 * dockerd's integer flags (pflag IntVar/Int64Var: strconv.ParseInt(s, 0, 64)). Checked with
 * `dockerd --FLAG=abc --validate` on 26.1.5 and 28.5.2: "invalid argument "abc" for "--FLAG" flag:
 * strconv.ParseInt"; oom-score-adjust from moby cmd/dockerd/config_unix.go of 20.10 (an int).
 */
export const INT_FLAGS = new Set([
  'mtu', 'max-concurrent-downloads', 'max-concurrent-uploads', 'max-download-attempts', 'shutdown-timeout',
  'oom-score-adjust', 'network-control-plane-mtu', 'cpu-rt-period', 'cpu-rt-runtime', 'network-diagnostic-port',
])

/**
 * The first of `uses` whose value pflag refuses, as one sentence naming it, or null: a boolean
 * flag whose value is not a ParseBool word (`--debug=yes`), or an integer flag (INT_FLAGS) whose
 * value goParseInt refuses (`--mtu=abc`, `--shutdown-timeout=1.5`, `--mtu=`). pflag's words
 * (flag.go failf, bool.go, int.go; dockerd exits 125 on them): `invalid argument "yes" for "-D,
 * --debug" flag: strconv.ParseBool: parsing "yes": invalid syntax`.
 */
export function refusedFlagValue(uses: readonly FlagUse[]): string | null {
  for (const f of uses) {
    const bool = BOOLEAN_FLAGS.has(f.name)
    if (bool ? parseBool(f.value) !== null : !INT_FLAGS.has(f.name) || goParseInt(f.value) !== null) continue
    const short = Object.keys(SHORTHANDS).find((k) => SHORTHANDS[k] === f.name)
    const named = short ? `-${short}, --${f.name}` : `--${f.name}`
    return `your ${f.text} is not ${bool ? 'a boolean' : 'an integer'}: dockerd refuses it (pflag: invalid argument ${JSON.stringify(f.value)} for "${named}" flag)`
  }
  return null
}

/**
 * The first flag in `argv` that no dockerd has, in pflag's words, or null: "unknown flag: --foo"
 * for a long one, "unknown shorthand flag: 'x' in -Dx" for a shorthand (spf13/pflag
 * flag.go parseLongArg/parseSingleShortArg; dockerd exits on it). A flag is known when any engine
 * has it (the tables above are a union), so a flag only some engines have is never called
 * unknown; one newer than the tables is, and then we only step aside. Nothing after "--" counts.
 */
export function unknownFlag(argv: readonly string[]): string | null {
  for (const f of parseDockerdFlags(argv)) {
    if (isDockerdFlag(f.name)) continue
    const long = f.text.startsWith('--')
    return long ? `unknown flag: --${f.name}` : `unknown shorthand flag: '${f.name}' in ${f.text.split(' ')[0]}`
  }
  return null
}

/** The shorthand letter of long flag `name` ("g" for "graph"), or null when it has none. */
export function shorthandOf(name: string): string | null {
  return Object.keys(SHORTHANDS).find((c) => SHORTHANDS[c] === name) ?? null
}

/** Every long flag name (no dashes) of some dockerd: the union the tables above hold, sorted. */
export function dockerdFlagNames(): string[] {
  return [...VALUE_FLAGS, ...BOOLEAN_FLAGS].sort()
}

/** Whether `name` (a long name, no dashes) is a flag of some dockerd: a daemon.json key may be one (config-keys.ts). */
export function isDockerdFlag(name: string): boolean {
  return VALUE_FLAGS.has(name) || BOOLEAN_FLAGS.has(name)
}

/**
 * Every flag occurrence in a dockerd argv, in order.
 * dockerd takes no positional arguments, so for a flag we do not know, a following token that
 * does not start with "-" is its value; a known boolean never takes the next token.
 * A lone "--" ends flag parsing (pflag): what follows is not read as flags.
 */
export function parseDockerdFlags(argv: readonly string[]): FlagUse[] {
  return readDockerdArgv(argv).flags
}

/**
 * The words of a dockerd argv that pflag leaves as arguments: neither a flag nor a flag's value,
 * and everything after a lone "--". dockerd takes none (its cobra command is `Args: cli.NoArgs`:
 * "dockerd: 'x' accepts no arguments"), so a non-empty answer means dockerd will refuse to start.
 * A flag we do not know is given the benefit of the doubt: a word after it is its value.
 */
export function positionalArgs(argv: readonly string[]): string[] {
  return readDockerdArgv(argv).positional
}

/**
 * The last flag before where planned flags go (the end, or a lone "--") when it is one of
 * dockerd's value flags written without its value (`--log-level`, `--bip`, `-H`, `-Dl`), as
 * the user wrote it; else null. dockerd refuses such an argv ("flag needs an argument"), and a
 * flag appended after it would become its value (pflag takes the next word, whatever it is).
 * A flag we do not know is read as a boolean here, as parseDockerdFlags reads it.
 */
export function valuelessFlag(argv: readonly string[]): string | null {
  const end = argv.indexOf('--')
  return readDockerdArgv(end < 0 ? argv : argv.slice(0, end)).valueless
}

/** One walk over argv as pflag reads it: the flags, the words left over as arguments, and a value flag left without its value at the end. */
function readDockerdArgv(argv: readonly string[]): { flags: FlagUse[], positional: string[], valueless: string | null } {
  const uses: FlagUse[] = []
  const positional: string[] = []
  let valueless: string | null = null
  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i]
    if (tok === '--') { positional.push(...argv.slice(i + 1)); break }
    if (tok.startsWith('--') && tok.length > 2) {
      const eq = tok.indexOf('=')
      const name = eq === -1 ? tok.slice(2) : tok.slice(2, eq)
      if (eq !== -1) { uses.push({ name, value: tok.slice(eq + 1), index: i, text: tok }); continue }
      if (takesValue(name, argv[i + 1])) {
        uses.push({ name, value: argv[i + 1], index: i, text: `${tok} ${argv[i + 1]}` })
        i++
      } else {
        if (argv[i + 1] === undefined && VALUE_FLAGS.has(name)) valueless = tok
        uses.push({ name, value: 'true', index: i, text: tok })
      }
      continue
    }
    if (tok.startsWith('-') && tok.length > 1) {
      // pflag reads `-Dl debug` as -D, then -l with the next word: booleans may be grouped,
      // the first shorthand that takes a value takes the rest of the word, or the next word.
      for (let c = 1; c < tok.length; c++) {
        const name = SHORTHANDS[tok[c]] ?? tok[c]
        const rest = tok.slice(c + 1)
        if (BOOLEAN_FLAGS.has(name)) {
          if (rest.startsWith('=')) { uses.push({ name, value: rest.slice(1), index: i, text: tok }); break }
          uses.push({ name, value: 'true', index: i, text: tok })
          continue
        }
        if (rest.length > 0) {
          uses.push({ name, value: rest.startsWith('=') ? rest.slice(1) : rest, index: i, text: tok })
        } else if (i + 1 < argv.length) {
          uses.push({ name, value: argv[i + 1], index: i, text: `${tok} ${argv[i + 1]}` })
          i++
        } else if (VALUE_FLAGS.has(name)) {
          valueless = tok
        } else {
          // A shorthand we do not know, last: read as a boolean, as an unknown long flag is.
          uses.push({ name, value: 'true', index: i, text: tok })
        }
        break
      }
      continue
    }
    positional.push(tok)
  }
  return { flags: uses, positional, valueless }
}

function takesValue(name: string, next: string | undefined): boolean {
  if (next === undefined || BOOLEAN_FLAGS.has(name)) return false
  return VALUE_FLAGS.has(name) || !next.startsWith('-')
}

/** The last value given for a flag (pflag: the last one wins for scalars), or null. */
export function lastFlagValue(uses: FlagUse[], name: string): FlagUse | null {
  const found = uses.filter((u) => u.name === name)
  return found.length ? found[found.length - 1] : null
}

/** Every value given for a repeatable flag, in order. */
export function flagValues(uses: FlagUse[], name: string): string[] {
  return uses.filter((u) => u.name === name).map((u) => u.value)
}

/**
 * A boolean as pflag reads one (Go strconv.ParseBool, which pflag's bool flags call): true for
 * 1 t T TRUE true True, false for 0 f F FALSE false False, null for any other word (pflag:
 * "invalid argument"). The one home of these words.
 */
export function parseBool(value: string): boolean | null {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false
  return null
}

/** pflag's boolean parsing (strconv.ParseBool): true only for its true words, or `true` itself. */
export function isTrue(value: unknown): boolean {
  return value === true || (typeof value === 'string' && parseBool(value) === true)
}

/**
 * An integer flag value as pflag reads it: strconv.ParseInt(s, 0, 64) (pflag int.go). Base 0
 * means Go's integer literal syntax: an optional sign, then `0x`/`0X` hex, `0o`/`0O` or a bare
 * leading `0` octal (`01400` is 768), `0b`/`0B` binary, else decimal; `_` may separate digits
 * (`1_400`). No blanks. Null when pflag would refuse it ("invalid argument … for --mtu").
 */
export function goParseInt(text: string): number | null {
  const m = /^([+-]?)(0[xX]|0[oO]|0[bB]|0(?=[0-7_])|)([0-9a-fA-F_]+)$/.exec(text)
  if (!m) return null
  const [, sign, prefix, body] = m
  if (prefix === '' && /^0./.test(body)) return null // "08": a leading 0 is octal, and 8 is no octal digit
  const base = /^0[xX]$/.test(prefix) ? 16 : /^0[bB]$/.test(prefix) ? 2 : prefix === '' ? 10 : 8
  // Go's underscoreOK: an underscore only between digits, or right after a base prefix.
  const digits = prefix === '0' ? `0${body}` : body
  if (digits.startsWith('_') && !(prefix !== '' && prefix !== '0')) return null
  if (digits.endsWith('_') || digits.includes('__')) return null
  const clean = body.replace(/_/g, '')
  const valid = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^[0-9]+$/, 16: /^[0-9a-fA-F]+$/ }[base]
  if (!valid.test(clean)) return null
  const n = Number.parseInt(clean, base) * (sign === '-' ? -1 : 1)
  return Number.isSafeInteger(n) ? n : null
}
