import t from 'tap'
import { flagValues, goParseInt, lastFlagValue, parseDockerdFlags, positionalArgs, valuelessFlag } from '../../src/dockerd/flags.js'

t.test('every spelling of a value flag is found, with its value', async (t) => {
  const cases: [string[], string, string][] = [
    [['--mtu', '1400'], 'mtu', '1400'],
    [['--mtu=1400'], 'mtu', '1400'],
    [['-b', 'br0'], 'bridge', 'br0'],
    [['-bbr0'], 'bridge', 'br0'],
    [['-b=br0'], 'bridge', 'br0'],
    [['--bridge=br0'], 'bridge', 'br0'],
    [['-H', 'fd://'], 'host', 'fd://'],
    [['--debug', '--mtu', '1300', '--tls=false'], 'mtu', '1300'],
  ]
  for (const [argv, name, value] of cases) {
    t.equal(lastFlagValue(parseDockerdFlags(argv), name)?.value, value, argv.join(' '))
  }
})

t.test('booleans never swallow the next flag; repeated flags keep order', async (t) => {
  const uses = parseDockerdFlags(['-D', '--iptables', '--mtu', '1400', '-H', 'unix:///a.sock', '--host=tcp://127.0.0.1:2375', '--mtu=1300'])
  t.same(uses.map((u) => u.name), ['debug', 'iptables', 'mtu', 'host', 'host', 'mtu'])
  t.equal(lastFlagValue(uses, 'mtu')?.value, '1300', 'the last --mtu wins, as in pflag')
  t.same(flagValues(uses, 'host'), ['unix:///a.sock', 'tcp://127.0.0.1:2375'])
  t.equal(lastFlagValue(uses, 'host')?.text, '--host=tcp://127.0.0.1:2375')
})

t.test('an unknown flag takes the next token only when it is not a flag', async (t) => {
  t.same(parseDockerdFlags(['--some-new-bool', '--mtu=1400']).map((u) => [u.name, u.value]), [['some-new-bool', 'true'], ['mtu', '1400']])
  t.same(parseDockerdFlags(['--some-new-opt', 'x', '--mtu=1400']).map((u) => [u.name, u.value]), [['some-new-opt', 'x'], ['mtu', '1400']])
})

t.test('"--" ends flag parsing', async (t) => {
  t.same(parseDockerdFlags(['--debug', '--', '--mtu=1400']).map((u) => u.name), ['debug'])
})

t.test('goParseInt reads integers as pflag does (strconv.ParseInt(s, 0, 64))', async (t) => {
  const rows: [string, number | null][] = [
    ['1400', 1400], ['0x578', 1400], ['0X578', 1400], ['01400', 768], ['0o2570', 1400], ['0b10101111000', 1400],
    ['1_400', 1400], ['0x_578', 1400], ['+1400', 1400], ['-1', -1], ['0', 0],
    ['08', null], ['1__400', null], ['_1400', null], ['1400_', null], [' 1400', null], ['1400 ', null], ['14OO', null], ['', null], ['0x', null], ['1.4e3', null],
  ]
  for (const [text, want] of rows) t.equal(goParseInt(text), want, JSON.stringify(text))
})

t.test('positionalArgs: the words dockerd will refuse (it takes no arguments)', async (t) => {
  t.same(positionalArgs(['--debug', 'stray']), ['stray'])
  t.same(positionalArgs(['-D', 'x']), ['x'], 'a boolean shorthand takes no value')
  t.same(positionalArgs(['-Dl', 'debug', '-H', 'fd://', '--mtu', '1400', '--label', 'a b']), [], 'grouped shorthands, value flags')
  t.same(positionalArgs(['--new-flag', 'value']), [], 'an unknown flag gets the benefit of the doubt')
  t.same(positionalArgs(['--debug', '--']), [])
  t.same(positionalArgs(['--debug', '--', '-x', 'y']), ['-x', 'y'])
  t.same(positionalArgs(['-']), ['-'])
})

t.test('valuelessFlag: a value flag left without its value where planned flags go (the end, or before "--")', async (t) => {
  const rows: [string[], string | null][] = [
    [['--log-level'], '--log-level'], [['--debug', '--bip'], '--bip'], [['-H'], '-H'], [['-Dl'], '-Dl'],
    [['--debug', '--bip', '--'], '--bip'], [['--mtu', '1400', '--label'], '--label'],
    [['--log-level', 'debug'], null], [['--log-level='], null], [['-H', 'fd://'], null], [['-Hfd://'], null],
    [['--debug'], null], [['-D'], null], [['--iptables'], null], [['--ip-forward-no-drop'], null],
    [['--some-new-flag'], null], [[], null], [['--bip', '--', 'x'], '--bip'],
  ]
  for (const [argv, want] of rows) t.equal(valuelessFlag(argv), want, JSON.stringify(argv))
})

t.test('a value flag takes the next word even when it starts with "-", as pflag does', async (t) => {
  t.same(parseDockerdFlags(['--log-level', '--debug']).map((u) => [u.name, u.value]), [['log-level', '--debug']])
  t.same(positionalArgs(['--dns', '-x']), [])
})
