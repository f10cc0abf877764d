import t from 'tap'
import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { RAW_ARGV_VAR } from '../../src/cli/handover.js'
import { rawExecScript, readRawArgv, restoreRaw } from '../../src/cli/raw-argv.js'

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

t.test('rawExecScript: every byte comes back, through the shells the images and this machine have', async (t) => {
  // A recorder: prints each argument NUL-terminated, so the bytes can be compared exactly.
  const dir = t.testdir({ record: '#!/bin/sh\nprintf \'%s\\0\' "$@"\n' })
  chmodSync(join(dir, 'record'), 0o755)
  const words: (string | Uint8Array)[] = ['--a', b(0x0a, 0xff, 0x0a), '', "it's $HOME `x` \\n %s", b(0x25, 0x73, 0x5c, 0x30, 0x27, 0x22, 0x24, 0x28, 0x29, 0x80),
    'six', 'seven', 'eight', 'nine', b(0x74, 0x65, 0x6e, 0xfe), 'eleven', b(0x0a)]
  const script = rawExecScript(words)
  t.notMatch(script, /[^\x20-\x7e\n]/, 'the script is ASCII: no byte of the user\'s in it')
  t.notMatch(script, /HOME|six/, 'string arguments are positional parameters, never script text')
  const want = Buffer.concat(words.map((w) => Buffer.concat([Buffer.from(w), Buffer.from([0])])))
  for (const sh of SHELLS) {
    const out = execFileSync(sh[0], [...sh.slice(1), '-c', script, join(dir, 'record'), ...words.map((w) => typeof w === 'string' ? w : '')])
    t.equal(out.toString('hex'), want.toString('hex'), `${sh.join(' ')}: the exact bytes`)
  }
  t.equal(rawExecScript(['a']), 'exec "$0" "${1}"')
})
