import t, { type Test } from 'tap'
import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { RAW_ARGV_VAR } from '../../src/cli/handover.js'
import { ARG_MAX_FLOOR, execRoom, execRoomFor, execTooBig, MAX_ARG_STRLEN } from '../../src/cli/exec-limits.js'
import { printfPieces, rawRestore, rawShellArgs, readRawArgv, restoreRaw } from '../../src/cli/raw-argv.js'

const b = (...bytes: number[]) => Uint8Array.from(bytes)
/** What Node makes of bytes in argv: U+FFFD for each sequence that is not UTF-8. */
const lossy = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8')
const token = (bytes: Uint8Array) => `x${Buffer.from(bytes).toString('hex')}`

t.test('readRawArgv: the bytes of the arguments that are not UTF-8, when the carrier matches argv', async (t) => {
  const ff = b(0x2d, 0x61, 0xff)
  const bad = b(0xed, 0xa0, 0x80)
  const argv = ['/usr/local/bin/dockerd', lossy(ff), '', '--debug', lossy(bad)]
  const carrier = `- ${token(ff)} - - ${token(bad)}`
  t.same(readRawArgv(argv, { [RAW_ARGV_VAR]: carrier }), { raw: [{ text: '-a\uFFFD', bytes: ff }, { text: '\uFFFD\uFFFD\uFFFD', bytes: bad }], warning: null })
  t.same(readRawArgv(argv, {}), { raw: [], warning: null }, 'unset: nothing, no warning')
  for (const [why, value] of [
    ['one token short', `- ${token(ff)} - -`],
    ['one token more', `${carrier} -`],
    ['bytes of another argument', `- ${token(bad)} - - ${token(ff)}`],
    ['not hex', `- x2d61zz - - ${token(bad)}`],
    ['odd hex', `- x2d61f - - ${token(bad)}`],
    ['upper-case hex (the shim writes od\'s lower case)', `- X2D61FF - - ${token(bad)}`],
    ['empty', ''],
  ]) {
    const r = readRawArgv(argv, { [RAW_ARGV_VAR]: value })
    t.same(r.raw, [], `${why}: ignored`)
    t.match(r.warning, /^DOCKERD_WRAPPED_RAW_ARGV does not match this command line/, `${why}: one warning`)
  }
})

// Trial: `--data-root $'/x/\xef\xbf\xbd' --exec-root $'/x/\xff'` swapped the two directories: the UTF-8
// one (a real U+FFFD) took the later raw one's bytes.
t.test('a UTF-8 argument that reads like a raw one keeps its place: each gets its own bytes', async (t) => {
  const argv = ['/usr/bin/dockerd', '--data-root', '/x/\uFFFD', '--exec-root', '/x/\uFFFD']
  const carrier = `- - - - x${Buffer.from('/x/\xff', 'latin1').toString('hex')}`
  const read = readRawArgv(argv, { [RAW_ARGV_VAR]: carrier })
  t.equal(read.warning, null)
  t.same(read.raw.map((r) => [r.text, r.bytes && Buffer.from(r.bytes).toString('hex')]), [['/x/\uFFFD', null], ['/x/\uFFFD', '2f782fff']])
  const out = restoreRaw(argv.slice(1), read.raw)
  t.same(out.map((a) => typeof a === 'string' ? a : Buffer.from(a).toString('hex')), ['--data-root', '/x/\uFFFD', '--exec-root', '2f782fff'])
  t.same(readRawArgv(['/x/\uFFFD'], { [RAW_ARGV_VAR]: '-' }).raw, [], 'no raw argument: nothing to keep in order')
})

t.test('restoreRaw: the user\'s words get their bytes back in order; ours taken out, flags added', async (t) => {
  const a = { text: '--label=a\uFFFD', bytes: b(0x2d, 0x2d, 0x6c, 0x61, 0x62, 0x65, 0x6c, 0x3d, 0x61, 0xff) }
  const probe = { text: '--autonet-probe=\uFFFD', bytes: b(...Buffer.from('--autonet-probe='), 0xfe) }
  const c = { text: '\uFFFD', bytes: b(0xfd) }
  const d = { text: '\uFFFD', bytes: b(0xfc) }
  t.same(restoreRaw(['--label=a\uFFFD', '--data-root', '\uFFFD', '\uFFFD', '--mtu=1400'], [a, probe, c, d]),
    [a.bytes, '--data-root', c.bytes, d.bytes, '--mtu=1400'], 'the taken-out one skipped, alike words each their own bytes in order')
  t.same(restoreRaw(['--debug', '\uFFFD'], [c]), ['--debug', c.bytes])
  t.same(restoreRaw(['--label=a\uFFFD', '--label=a\uFFFD'], [a]), [a.bytes, '--label=a\uFFFD'], 'each raw word is used once')
  t.same(restoreRaw(['x'], []), ['x'])
})

const SHELLS = [['/bin/sh'], ['/bin/dash'], ['/usr/bin/busybox', 'sh']].filter((s) => existsSync(s[0]))

/** Runs `sh -c` with rawShellArgs and a recorder as the program: the bytes each argument reached it with, in hex. */
function recorded(t: Test, sh: string[], words: (string | Uint8Array)[], env: NodeJS.ProcessEnv = process.env): string {
  // A recorder: prints each argument NUL-terminated, so the bytes can be compared exactly.
  const dir = t.testdir({ record: '#!/bin/sh\nprintf \'%s\\0\' "$@"\n' })
  chmodSync(join(dir, 'record'), 0o755)
  return execFileSync(sh[0], [...sh.slice(1), ...rawShellArgs(join(dir, 'record'), words)], { env, maxBuffer: 64 << 20 }).toString('hex')
}
const nulJoined = (words: (string | Uint8Array)[]) => Buffer.concat(words.map((w) => Buffer.concat([Buffer.from(w), Buffer.from([0])]))).toString('hex')

t.test('rawShellArgs: every byte comes back, through the shells the images and this machine have', async (t) => {
  const words: (string | Uint8Array)[] = ['--a', b(0x0a, 0xff, 0x0a), '', "it's $HOME `x` \\n %s", b(0x25, 0x73, 0x5c, 0x30, 0x27, 0x22, 0x24, 0x28, 0x29, 0x80),
    'six', 'seven', 'eight', 'nine', b(0x74, 0x65, 0x6e, 0xfe), 'eleven', b(0x0a), 's', '1', b(0x2d, 0x6e, 0xff), b(0x2d), b(0xff, 0x31, 0x32, 0x33), '-e', b()]
  const args = rawShellArgs('/p/dockerd', words)
  t.same(args.slice(2, 8), ['/p/dockerd', '--a', '', '', "it's $HOME `x` \\n %s", ''], 'the script, the program as $0, each string in its place, one with bytes empty')
  t.same(args.slice(3 + words.length, 3 + words.length + 2), ['\\012\\377\\012', '\\045s\\1340\'"$()\\200'], 'then the printf pieces')
  t.notMatch(args.join('\n'), /[^\x20-\x7e\n\t]/, 'all ASCII: no byte of the user\'s that is not in it')
  t.notMatch(args[1], /HOME|six|377/, 'the user\'s words are positional parameters, never script text')
  t.same(rawShellArgs('/p', ['a']), ['-c', 'exec "$0" "${1}"', '/p', 'a'])
  for (const sh of SHELLS) t.equal(recorded(t, sh, words), nulJoined(words), `${sh.join(' ')}: the exact bytes`)
})

t.test('printfPieces: printable ASCII as is but for printf\'s own and a leading dash, the rest \\ooo, no piece past max', async (t) => {
  t.same(printfPieces(Buffer.from('--label=a%b\\c d~')), ['\\055-label=a\\045b\\134c d~'])
  t.same(printfPieces(b(0xff, 0x00, 0x7f, 0x1f, 0x20)), ['\\377\\000\\177\\037 '])
  t.same(printfPieces(b()), [''])
  t.same(printfPieces(Buffer.from('abcd-e'), 4), ['abcd', '\\055', 'e'], 'a dash first in a later piece too')
  t.same(printfPieces(b(0x61, 0xff, 0xfe), 5), ['a\\377', '\\376'], 'an escape is never split')
  const big = printfPieces(new Uint8Array(100_000).fill(0xff))
  t.same(big.map((p) => p.length), [131_068, 131_068, 131_068, 400_000 - 3 * 131_068], 'whole escapes up to MAX_ARG_STRLEN with its NUL')
  t.ok(big.every((p) => p.length + 1 <= MAX_ARG_STRLEN))
})

t.test('rawShellArgs: arguments of 33,000 and twice 20,000 bytes not UTF-8 (one exec string each was past MAX_ARG_STRLEN) come back exactly', async (t) => {
  const ff = (n: number) => Buffer.concat([Buffer.from('--label=a='), Buffer.alloc(n, 0xff)])
  const cases: (string | Uint8Array)[][] = [['--debug', ff(33_000)], [ff(20_000), '--data-root', ff(20_000)], [ff(65_000)]]
  for (const words of cases) {
    const args = rawShellArgs('/p/dockerd', words)
    t.ok(args.every((a) => Buffer.byteLength(a) + 1 <= MAX_ARG_STRLEN), 'no string past MAX_ARG_STRLEN')
    t.equal(execTooBig('/bin/sh', ['sh', ...args], {}, execRoomFor(8 << 20)), null, 'fits the exec')
    for (const sh of SHELLS) t.equal(recorded(t, sh, words), nulJoined(words), `${sh.join(' ')}: ${words.length} words, the exact bytes`)
  }
})

t.test('rawRestore: the shell\'s arguments when they fit, why not when they do not, null with nothing to put back', async (t) => {
  const ff = { text: '--label=\uFFFD', bytes: b(...Buffer.from('--label='), 0xff) }
  const fits = rawRestore('/bin/sh', '/p/dockerd', ['--debug', ff.text], [ff], { A: '1' }, execRoomFor(8 << 20))
  t.same(fits, { count: 1, shellArgs: rawShellArgs('/p/dockerd', ['--debug', ff.bytes]), tooBig: null })
  t.equal(rawRestore('/bin/sh', '/p/dockerd', ['--debug'], [ff], {}, 1 << 20), null, 'ours took it out: nothing to put back')
  // The room just short of what that exec takes: counted as bprm_stack_limits counts it.
  const size = ['/bin/sh', 'sh', ...fits!.shellArgs!, 'A=1'].reduce((n, s) => n + Buffer.byteLength(s) + 1, 0) + 8 * (fits!.shellArgs!.length + 2)
  t.equal(rawRestore('/bin/sh', '/p/dockerd', ['--debug', ff.text], [ff], { A: '1' }, size)?.tooBig, null, 'exactly the room: fits')
  t.match(rawRestore('/bin/sh', '/p/dockerd', ['--debug', ff.text], [ff], { A: '1' }, size - 1),
    { count: 1, shellArgs: null, tooBig: `the arguments and environment would be ${size} bytes, past the kernel's ${size - 1} for one exec (a quarter of the stack limit)` })
})

t.test('exec limits: the room as fs/exec.c bprm_stack_limits sets it; one string past MAX_ARG_STRLEN named', async (t) => {
  t.equal(execRoomFor(8 << 20), 2 << 20, 'a quarter of the usual 8 MiB stack: getconf ARG_MAX')
  t.equal(execRoomFor(Infinity), 6 << 20, 'unlimited: 3/4 of _STK_LIM')
  t.equal(execRoomFor(64 << 10), ARG_MAX_FLOOR, 'a small stack: the 32 pages of ARG_MAX')
  t.equal(execRoomFor(null), ARG_MAX_FLOOR, 'unknown: the floor')
  const getconf = Number(execFileSync('getconf', ['ARG_MAX']).toString())
  t.equal(execRoom(), getconf, 'this machine: what getconf ARG_MAX says (read from /proc/self/limits)')
  t.equal(execTooBig('/x', ['x', 'a'.repeat(MAX_ARG_STRLEN - 1)], {}, 1 << 30), null, 'MAX_ARG_STRLEN with its NUL: fits')
  t.equal(execTooBig('/x', ['x', 'a'.repeat(MAX_ARG_STRLEN)], {}, 1 << 30), `argument 1 would be ${MAX_ARG_STRLEN + 1} bytes, past the kernel's ${MAX_ARG_STRLEN} for one string (MAX_ARG_STRLEN)`)
  t.match(execTooBig('/x', ['x'], { BIG: '\u00e9'.repeat(MAX_ARG_STRLEN / 2) }, 1 << 30), /^variable BIG would be 131077 bytes/, 'counted as UTF-8')
  // The kernel agrees: the room exactly runs, one byte more is E2BIG.
  const room = execRoom()
  // What the test runner puts in a child's environment (tap's processinfo), counted too.
  const added = Object.fromEntries(execFileSync('/usr/bin/env', ['-0'], { env: {} }).toString().split('\0').filter(Boolean).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]))
  const filler = (n: number) => { const env: Record<string, string> = {}; for (let i = 0; n > 0; i++) { const v = Math.min(n, 100_000); env[`F${i}`] = 'a'.repeat(v); n -= v } return env }
  const size = (env: Record<string, string>) => Number(/would be (\d+) bytes/.exec(execTooBig('/bin/true', ['/bin/true'], { ...added, ...env }, 0)!)![1])
  // Each filler variable costs its name, `=`, NUL and pointer besides its value: solve for the value bytes.
  const envFor = (total: number) => {
    let n = total - size({})
    for (let k = 0; k < 5; k++) n -= size(filler(n)) - total
    t.equal(size(filler(n)), total)
    return filler(n)
  }
  const at = envFor(room)
  t.doesNotThrow(() => execFileSync('/bin/true', [], { env: at }), 'the room exactly: the kernel runs it')
  const over = envFor(room + 1)
  t.throws(() => execFileSync('/bin/true', [], { env: over }), { code: 'E2BIG' }, 'one byte more: E2BIG')
})
