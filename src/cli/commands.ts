/**
 * The yargs side of the CLI: `--help` text and the options of our subcommands (`plan`,
 * `snapshot`). yargs never sees dockerd's arguments (it would reorder and reinterpret them),
 * and this module is imported only for help, plan and snapshot, off the start-up path.
 */
import yargs, { type Argv } from 'yargs'
import { envName, OPTIONS } from './options.js'
import { UsageError, yargsMessage } from './usage-error.js'

const USAGE = `Usage:
  $0 [DOCKERD-FLAGS...]             detect, plan, then exec dockerd with your flags + ours
  $0 dockerd [DOCKERD-FLAGS...]     the same, with this dockerd (a path works too)
  $0 dockerd-entrypoint.sh [FLAGS]  the same, through the dind image's entrypoint
  $0 COMMAND [ARGS...]              exec any other command exactly as given
  $0 plan [--state FILE] [--json] [-- DOCKERD-FLAGS...]
  $0 snapshot [--anonymize] [-- DOCKERD-FLAGS...]
  $0 doctor [--json]                diagnose the dockerd already running here
  $0 install [--dockerd PATH] [--mode replace|path] [--path DIRS] [--shim FILE] [--root DIR]
                                    put the dockerd shim in front of dockerd (an image's RUN step)
  $0 uninstall [--root DIR]         undo install, byte for byte
  $0 help | --help
  $0 version | --version

Your dockerd flags reach dockerd untouched and in order (-H fd://, --mtu 1400, --);
planned flags (--flag=value) are appended. --autonet-* options may stand anywhere among
dockerd's flags and are taken out; the ones valued take VALUE after '=' or as the next word
(unless it is a flag of dockerd's or ours). Each has an environment default (DOCKERD_AUTONET_*,
e.g. DOCKERD_AUTONET_MAX_MTU=9000, DOCKERD_AUTONET_DRY_RUN=1; values are trimmed); a flag beats
the environment. A switch takes 1, t, true, yes, on or 0, f, false, no, off (any case) after '='
or as the next word: =false undoes it.
plan, snapshot, doctor, install, uninstall, help and version count only as the first word (after --autonet-* options).
A dry run execs nothing and changes nothing. If an option of ours is bad, a DOCKERD_AUTONET_*
variable unknown, or detection or planning fails, dockerd starts with your arguments unchanged (with --autonet-bridge: plus
--bridge=NAME, never on docker0). Nothing is applied or appended when dockerd will refuse
your arguments (a positional word, a value flag left without its value at the end) or its
daemon.json (unreadable, or setting what a flag sets too), or the command is not dockerd; a
dry run prints why, and so does plan: its words after -- are read as a start's command line.`

const EPILOGUE = `Exit codes:
  own      run mode and exec mode: the command's own exit code (dockerd's, or that of the command given);
           128+N when a signal N killed it
  0        help, version, snapshot, plan without an error, --autonet-dry-run, doctor: healthy,
           install/uninstall: done or nothing to do
  1        plan: the plan has an error (printed with the rest of the plan), or a start would
           step aside (the reason printed); doctor: problems found; install/uninstall: it did
           not take (a file operation or the dockerd --version check failed; undone)
  2        usage error or bad input: a bad --autonet-* value outside a start (plan: before --), a
           bad option of a subcommand, an unreadable or malformed --state FILE; run mode:
           --autonet-bridge names no bridge (dockerd is not started); doctor: could not check
           (no dockerd in this network namespace, no interfaces readable); install/uninstall: a
           tree they cannot work on (the path is named; nothing changed)
  70       internal error (a bug; please report it): in plan, snapshot, doctor, install or
           uninstall, or a crash of the program in any mode (the stack on stderr)
  126/127  the command to exec is not executable or its exec fails (E2BIG) / not found

Logs go to stderr, prefixed "dockerd-autonet:"; plan, snapshot and dry-run print to stdout.`

/** The parser behind `--help` and the subcommands. */
function parser(): Argv {
  let y = yargs()
    .scriptName('dockerd-autonet')
    .usage(USAGE)
    .command('plan', 'print what would be done for this machine (or a saved --state) and why', (c) => c
      .option('state', { type: 'string', requiresArg: true, describe: 'plan for this snapshot file (snapshot output, or a case file) instead of this machine' })
      .option('json', { type: 'boolean', describe: 'print {egress, mtu, args, warnings, reasons, error, actions} as JSON' }))
    .command('snapshot', 'print this machine\'s network state as JSON (what plan --state reads)', (c) => c
      .option('anonymize', { type: 'boolean', describe: 'replace MACs, addresses (keeping subnets and special ranges) and identifying names, consistently, for a bug report' }))
    .command('doctor', 'diagnose the running dockerd: MTU black holes, drift since start, unpinned bridge MACs, stale conntrack, config conflicts', (c) => c
      .option('json', { type: 'boolean', describe: 'print {status, exit_code, egress, dockerds, findings} as JSON' }))
    .command('install', 'put the dockerd shim in front of the real dockerd (see install --help)')
    .command('uninstall', 'undo what install did (see uninstall --help)')
    .command('help', 'show this help')
    .command('version', 'print the version')
    .strict()
    .help(false)
    .version(false)
    .exitProcess(false)
    .wrap(null)
    .epilogue(EPILOGUE)
  for (const spec of OPTIONS) {
    const flag = `autonet-${spec.name}${spec.value ? `=${spec.value}` : ''}`
    y = y.option(flag, { describe: `${spec.describe}\n  [env: ${envName(spec)}]` })
  }
  return y.group(OPTIONS.map((s) => `autonet-${s.name}${s.value ? `=${s.value}` : ''}`), 'Options of ours (anywhere among dockerd\'s flags):')
}

/** The full `--help` text, ending in a newline. */
export async function helpText(): Promise<string> {
  return (await parser().getHelp()) + '\n'
}

/** What `plan` / `snapshot` were asked: their options, or their help text when `--help` was given. */
export type SubcommandArgs = { help: string } | { state?: string, json: boolean, anonymize: boolean }

/**
 * Parse a subcommand's own arguments (ours and everything after `--` already taken out).
 * @throws UsageError for an unknown option or a missing value, with yargs' message
 */
export async function parseSubcommandArgs(mode: 'plan' | 'snapshot' | 'doctor', args: readonly string[]): Promise<SubcommandArgs> {
  if (args.includes('--help') || args.includes('-h')) {
    const help = await new Promise<string>((resolve) => {
      parser().help().parse([mode, '--help'], {}, (_err, _argv, output) => resolve(output))
    })
    return { help: help + '\n' }
  }
  return new Promise((resolve, reject) => {
    parser().parse([mode, ...args], {}, (err, argv) => {
      if (err) return reject(new UsageError(`${mode}: ${yargsMessage(err.message, args)}`))
      const extra = argv._.slice(1)
      if (extra.length) return reject(new UsageError(`${mode}: unexpected argument ${String(extra[0])} (dockerd's flags go after --)`))
      // yargs collects a repeated option into a list: which file was meant is not ours to guess.
      if (Array.isArray(argv.state)) return reject(new UsageError(`${mode}: --state given ${argv.state.length} times (${argv.state.join(', ')}); give one snapshot file`))
      if (argv.state === '') return reject(new UsageError(`${mode}: --state needs a snapshot file, got an empty value`))
      resolve({ state: argv.state as string | undefined, json: argv.json === true, anonymize: argv.anonymize === true })
    })
  })
}
