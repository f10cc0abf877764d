/**
 * The exit codes as documented (README "Exit codes", the end of `--help`) against each other and
 * against what the program returns: both list the same codes, once each, and the codes they
 * name for a usage error, a tree install cannot work on, a bridge option naming no bridge and
 * our own failures are the ones main and the launchers return.
 */
import t from 'tap'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EXIT_NOT_EXECUTABLE, EXIT_NOT_FOUND } from '../../src/apply/exec-dockerd.js'
import { EXIT_INTERNAL, main } from '../../src/cli/main.js'
import { UsageError } from '../../src/cli/usage-error.js'
import { EXIT_CRASH } from '../../src/launch/crash.js'
import { memoryLogger } from '../../src/log.js'

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')

/** The numeric codes a documented list names, row by row (`126 / 127` is one row, two codes). */
const codesOf = (rows: string[]) => rows.map((r) => [...r.matchAll(/\b\d+\b/g)].map((m) => Number(m[0])))

function readmeRows(): string[] {
  const section = README.slice(README.indexOf('### Exit codes'))
  const table = section.slice(0, section.indexOf('\n\n', section.indexOf('| code |')))
  // The first cell of each body row (after the header and the |---| line).
  return table.split('\n').filter((l) => l.startsWith('| ')).slice(1).map((l) => l.split('|')[1].trim())
}

async function help(): Promise<string> {
  const out: string[] = []
  await main(['--help'], {}, { stdout: (s) => { out.push(s) } })
  return out.join('')
}

function helpRows(text: string): string[] {
  const section = text.slice(text.indexOf('Exit codes:'))
  const block = section.slice(0, section.indexOf('\n\n'))
  // A row starts at two spaces and a code; continuation lines are indented further.
  return [...block.matchAll(/^ {2}(\S+) {2,}/gm)].map((m) => m[1])
}

t.test('README and --help list the same exit codes, each once', async (t) => {
  const readme = readmeRows()
  const fromHelp = helpRows(await help())
  t.same(readme, ['the command\'s own', '0', '1', '2', '70', '126 / 127'], 'README rows')
  t.same(fromHelp, ['own', '0', '1', '2', '70', '126/127'], '--help rows')
  t.same(codesOf(fromHelp), codesOf(readme), 'the same codes in the same order')
})

t.test('the documented codes are the ones the program uses', async (t) => {
  t.equal(new UsageError('x').exitCode, 2, 'usage error')
  t.equal(EXIT_INTERNAL, 70, 'internal error of a subcommand')
  t.equal(EXIT_CRASH, 70, 'a crash of the program')
  t.equal(EXIT_NOT_EXECUTABLE, 126)
  t.equal(EXIT_NOT_FOUND, 127)
})

t.test('usage errors exit 2 in every mode that has them, before anything runs', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'autonet-exit-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const untouched = { readState: async () => { throw new Error('must not read') }, exec: async () => { throw new Error('must not exec') } }
  const cases: [string, string[], Record<string, string>][] = [
    ['a bad --autonet-* value with help', ['--autonet-max-mtu=huge', 'help'], {}],
    ['a bad variable with version', ['version'], { DOCKERD_AUTONET_MTU_SCOPE: 'wide' }],
    ['a bad option of doctor', ['doctor', '--bogus'], {}],
    ['a bad option of install', ['install', '--bogus'], {}],
    ['uninstall on a tree that is not a directory', ['uninstall', '--root', join(dir, 'missing')], {}],
    ['--autonet-bridge naming no bridge, where dockerd would start', ['--autonet-bridge==10.9.0.1/24', '-H', 'fd://'], {}],
  ]
  for (const [what, argv, env] of cases) {
    const err: string[] = []
    const log = memoryLogger()
    const code = await main(argv, env, { ...untouched, stdout: () => {}, stderr: (s) => { err.push(s) }, log })
    t.equal(code, 2, what)
    t.match([...log.lines, ...err].join('\n'), /error: /, `${what}: the error is named`)
  }
})

t.test('doctor failing inside our code: exit 70', async (t) => {
  const log = memoryLogger()
  t.equal(await main(['doctor'], {}, { readState: async () => { throw new Error('reader bug') }, stdout: () => {}, log }), 70)
  t.match(log.lines.join('\n'), /internal error: Error: reader bug/)
})
