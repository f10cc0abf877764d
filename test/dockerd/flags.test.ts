import t from 'tap'
import { flagValues, lastFlagValue, parseDockerdFlags } from '../../src/dockerd/flags.js'

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
