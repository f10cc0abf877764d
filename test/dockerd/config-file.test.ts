import t from 'tap'
import { join } from 'node:path'
import {
  configFileFromArgv, configFilePath, decodeConfigBytes,
  parseDaemonConfig, readDaemonConfig,
} from '../../src/dockerd/config-file.js'

t.test('absent file: config null, no error', async (t) => {
  const path = join(t.testdir({}), 'daemon.json')
  t.same(await readDaemonConfig(path), { config: null, path, error: null })
})

t.test('absent file named by --config-file: dockerd will refuse to start', async (t) => {
  const path = join(t.testdir({}), 'custom.json')
  const r = await readDaemonConfig(path, { explicit: true })
  t.equal(r.config, null)
  t.equal(r.error, `daemon.json: ${path} (named by --config-file) does not exist; dockerd will refuse to start`)
})

t.test('valid object', async (t) => {
  const dir = t.testdir({ 'daemon.json': '{\n  "mtu": 1400,\n  "bip": "10.99.0.1/24"\n}\n' })
  const r = await readDaemonConfig(join(dir, 'daemon.json'))
  t.same(r, { config: { mtu: 1400, bip: '10.99.0.1/24' }, path: join(dir, 'daemon.json'), error: null })
})

t.test('malformed JSON: error names the file and line:column', async (t) => {
  const cases: Array<[string, string, number, number, RegExp]> = [
    // V8 reports no position for "Unexpected token": located by our scanner.
    ['value missing', '{\n  "mtu": 1400,\n  "bip": }\n', 3, 10, /unexpected "}"$/],
    // V8 reports the position: taken from its message.
    ['comma missing', '{\n  "mtu": 1400\n  "debug": true\n}\n', 3, 3, /Expected ',' or '}' after property value$/],
    ['trailing comma', '{\n  "mtu": 1400,\n}\n', 3, 1, /Expected double-quoted property name$/],
    ['typo in a literal', '{\n  "debug": tru\n}', 2, 15, /unexpected "\\n"$/],
    ['truncated', '{\n  "mtu": 1400,\n  "bip": "10.', 3, 14, /Unterminated string$/],
    ['letter O for zero', '{\n\n  "mtu": 14OO\n}', 3, 12, /Expected ',' or '}'/],
  ]
  for (const [what, text, line, column, detail] of cases) {
    const dir = t.testdir({ 'daemon.json': text })
    const path = join(dir, 'daemon.json')
    const r = await readDaemonConfig(path)
    t.equal(r.config, null, what)
    t.ok(r.error?.startsWith(`daemon.json: ${path}: invalid JSON at line ${line}, column ${column}: `), `${what}: ${r.error}`)
    t.match(r.error, detail, what)
    t.notOk(r.error?.includes('\n'), `${what}: one line`)
  }
})

t.test('top level not an object', async (t) => {
  for (const [text, kind] of [['["--mtu=1400"]', 'an array'], ['"mtu"', 'a string'], ['null', 'null'], ['1400', 'a number']]) {
    const dir = t.testdir({ 'daemon.json': text })
    const r = await readDaemonConfig(join(dir, 'daemon.json'))
    t.equal(r.config, null)
    t.equal(r.error, `daemon.json: ${join(dir, 'daemon.json')}: top level is ${kind}, expected a JSON object`)
  }
})

t.test('read like dockerd reads it: BOMs, empty file', async (t) => {
  const body = '{"mtu": 1450}'
  const dir = t.testdir({
    'utf8-bom.json': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body)]),
    'utf16le-bom.json': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(body, 'utf16le')]),
    'utf16be-bom.json': Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(body, 'utf16le').swap16()]),
    'empty.json': '',
    'blank.json': ' \n\t\n',
    'latin1.json': Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xe9, 0x22, 0x7d]),
  })
  for (const f of ['utf8-bom.json', 'utf16le-bom.json', 'utf16be-bom.json']) {
    t.same((await readDaemonConfig(join(dir, f))).config, { mtu: 1450 }, f)
  }
  t.same(await readDaemonConfig(join(dir, 'empty.json')), { config: {}, path: join(dir, 'empty.json'), error: null }, 'dockerd treats an empty file as an empty config')
  t.same((await readDaemonConfig(join(dir, 'blank.json'))).config, {})
  const latin1 = await readDaemonConfig(join(dir, 'latin1.json'))
  t.equal(latin1.config, null)
  t.match(latin1.error, /^daemon\.json: .*latin1\.json is not valid UTF-8/)
  t.equal(decodeConfigBytes(Buffer.from([0xfe, 0xff, 0x00])), null, 'odd-length UTF-16')
})

t.test('unreadable path', async (t) => {
  const dir = t.testdir({ 'daemon.json': {} })
  const r = await readDaemonConfig(join(dir, 'daemon.json'))
  t.equal(r.config, null)
  t.equal(r.error, `daemon.json: cannot read ${join(dir, 'daemon.json')}: a directory, not a regular file; not read`)
})

t.test('configFilePath / configFileFromArgv', async (t) => {
  t.equal(configFilePath([]), '/etc/docker/daemon.json')
  t.equal(configFilePath(['--debug', '--config-file', '/etc/ci/d.json']), '/etc/ci/d.json')
  t.equal(configFilePath(['--config-file=/etc/ci/d.json', '--mtu=1400']), '/etc/ci/d.json')
  t.equal(configFilePath(['--config-file=/a.json', '--config-file', '/b.json']), '/b.json', 'the last one wins')
  t.equal(configFilePath(['--', '--config-file=/x.json']), '/etc/docker/daemon.json', 'nothing after -- is a flag')
  t.equal(configFileFromArgv(['--config-file']), null, 'a dangling flag names nothing')
  t.equal(configFileFromArgv(['--config-filex=/y']), null)
})

t.test('an empty --config-file names no file: dockerd reads none, not even the default (moby loadDaemonCliConfig: if opts.configFile != "")', async (t) => {
  t.equal(configFilePath(['--config-file=']), '')
  t.equal(configFilePath(['--config-file', '']), '')
  t.same(await readDaemonConfig('', { explicit: true }), { config: null, path: '', error: null }, 'no "does not exist" error: dockerd starts')
})


t.test('any integer key written with a fraction or exponent is refused as dockerd refuses it (--validate on 26.1.5 and 28.5.2)', async (t) => {
  t.same(parseDaemonConfig('{\n  "max-concurrent-downloads": 3.0\n}', '/d.json'),
    { config: null, error: 'daemon.json: /d.json: "max-concurrent-downloads" is 3.0 at line 2, column 31, not an integer (Go\'s encoding/json reads no fraction or exponent into dockerd\'s int "max-concurrent-downloads")' })
  t.match(parseDaemonConfig('{"shutdown-timeout": 1e1}', '/d.json').error, '"shutdown-timeout" is 1e1 at line 1, column 22')
  t.match(parseDaemonConfig('{"debug": true, "shutdown-timeout": 1.0, "shutdown-timeout": 10}', '/d.json').error, '"shutdown-timeout" is 1.0')
  for (const text of ['{"shutdown-timeout": 10}', '{"max-concurrent-uploads": 5, "labels": ["a=1.5"]}', '{"proxies": {"max-concurrent-downloads": 1.5}}']) {
    t.same(parseDaemonConfig(text, '/d.json').error, null, text)
  }
})

t.test('"mtu" written with a fraction or exponent: Go\'s encoding/json refuses it for the int, JSON.parse does not tell 1400.0 from 1400', async (t) => {
  t.same(parseDaemonConfig('{\n  "debug": true,\n  "mtu": 1400.0\n}', '/d.json'),
    { config: null, error: 'daemon.json: /d.json: "mtu" is 1400.0 at line 3, column 10, not an integer (Go\'s encoding/json reads no fraction or exponent into dockerd\'s int "mtu")' })
  for (const token of ['1.4e3', '1400.5', '14E2', '-1.0']) t.match(parseDaemonConfig(`{"mtu": ${token}}`, '/d.json').error, `"mtu" is ${token} at line 1, column 9`, token)
  t.match(parseDaemonConfig('{"mtu": 1400, "mtu": 1400.0}', '/d.json').error, 'line 1, column 22', 'a later "mtu" is read too')
  // dockerd 26.1.5 and 28.5.2 --validate: "cannot unmarshal number 1400.0 into Go struct field … mtu of type int",
  // although the last "mtu" is 1400: encoding/json reads every occurrence and keeps the first error.
  t.match(parseDaemonConfig('{"mtu": 1400.0, "mtu": 1400}', '/d.json').error, '"mtu" is 1400.0 at line 1, column 9', 'an earlier one is refused too')
  for (const text of ['{"mtu": 1400}', '{"x": {"mtu": 1400.0}}', '{"log-opts": {"a": "\\"mtu\\": 1.5"}, "mtu": -0}', '{"mtu": "1400.0"}', '{"mtu" : null}', '{"a": ["mtu", 1.5]}']) {
    t.equal(parseDaemonConfig(text, '/d.json').error, null, text)
  }
})
