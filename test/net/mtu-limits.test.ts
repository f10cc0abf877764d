import t from 'tap'
import { CONTAINER_MTU_MAX, isContainerMtu, isUsableMtu, LINK_MTU_MAX } from '../../src/net/mtu-limits.js'
import { refusedMtu, resolveSettings } from '../../src/dockerd/settings.js'
import { readOptions } from '../../src/cli/options.js'

t.test('a link may report 65536 (loopback); a container network takes at most 65535 (ETH_MAX_MTU)', async (t) => {
  t.equal(LINK_MTU_MAX, 65536)
  t.equal(CONTAINER_MTU_MAX, 65535)
  t.ok(isUsableMtu(65536), 'loopback\'s MTU is a real link MTU')
  t.notOk(isContainerMtu(65536), 'but no veth takes it')
  t.ok(isContainerMtu(65535))
  for (const bad of [67, 65537, 1500.5, '1500', null]) t.notOk(isUsableMtu(bad), String(bad))
  t.ok(isUsableMtu(68))
})

t.test('an explicit --mtu=65536 is one dockerd rejects (it was accepted up to 65536): refusedMtu says so', async (t) => {
  const of = (argv: string[]) => refusedMtu(resolveSettings(argv, null))
  t.equal(of(['--mtu=65536']), 'your --mtu=65536 is not a usable MTU (68..65535 bytes): dockerd fails to set it on the bridge and does not start')
  t.equal(of(['--mtu=67']), 'your --mtu=67 is not a usable MTU (68..65535 bytes): dockerd fails to set it on the bridge and does not start')
  t.equal(of(['--mtu=65535']), null)
  t.equal(of(['--mtu=68']), null)
})

t.test('--autonet-max-mtu takes 576..65535, the bounds of src/net/mtu-limits.ts', async (t) => {
  t.equal(readOptions(['--autonet-max-mtu=65535'], {}).plan.maxMtu, 65535)
  t.throws(() => readOptions(['--autonet-max-mtu=65536'], {}), /an integer from 576 to 65535/)
  t.throws(() => readOptions(['--autonet-max-mtu=575'], {}), /an integer from 576 to 65535/)
})
