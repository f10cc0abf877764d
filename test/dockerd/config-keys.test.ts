import t from 'tap'
import { configConflicts, configKeyOf } from '../../src/dockerd/config-keys.js'
import { parseDockerdFlags } from '../../src/dockerd/flags.js'

t.test('configConflicts: the first flag per daemon.json key also set, --config-file exempt', async (t) => {
  const flags = parseDockerdFlags(['--config-file=/etc/d.json', '-H', 'unix:///a.sock', '--mtu=1400', '--host=tcp://0.0.0.0:2375', '--debug'])
  const dj = { 'config-file': 'x', hosts: ['unix:///b.sock'], mtu: 1500 }
  t.same(configConflicts(flags, dj).map(({ key, flag }) => [key, flag.text]), [['hosts', '-H unix:///a.sock'], ['mtu', '--mtu=1400']])
  t.same(configConflicts(flags, null), [])
  t.same(configConflicts(flags, {}), [])
})

t.test('flag names map to daemon.json keys as dockerd checks conflicts', async (t) => {
  t.equal(configKeyOf('host'), 'hosts')
  t.equal(configKeyOf('default-network-opt'), 'default-network-opts')
  t.equal(configKeyOf('registry-mirror'), 'registry-mirrors')
  t.equal(configKeyOf('mtu'), 'mtu')
  t.equal(configKeyOf('bridge'), 'bridge')
})
