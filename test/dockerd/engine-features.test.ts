import t from 'tap'
import { parseEngineVersion, supportsDefaultNetworkOpt } from '../../src/dockerd/engine-features.js'

t.test('engine versions: major and minor, distro suffixes ignored', async (t) => {
  t.same(parseEngineVersion('27.3.1'), [27, 3])
  t.same(parseEngineVersion('20.10.24+dfsg1'), [20, 10])
  t.same(parseEngineVersion('v24.0'), [24, 0])
  t.equal(parseEngineVersion('dev'), null)
  t.equal(parseEngineVersion(null), null)
})

t.test('--default-network-opt from Docker Engine 24.0; unknown stays unknown', async (t) => {
  t.equal(supportsDefaultNetworkOpt('24.0.0'), true)
  t.equal(supportsDefaultNetworkOpt('23.0.6'), false)
  t.equal(supportsDefaultNetworkOpt(undefined), null)
})
