import t from 'tap'
import { isDockerBridgeName, isNetworkBridgeName } from '../../src/dockerd/bridges.js'

t.test("dockerd's own bridges: docker0 and br-<12 hex digits>", async (t) => {
  t.ok(isDockerBridgeName('docker0'))
  t.ok(isDockerBridgeName('br-0123456789ab'))
  t.ok(isNetworkBridgeName('br-0123456789ab'))
  t.notOk(isNetworkBridgeName('docker0'))
  for (const no of ['br-ci', 'br0', 'br-0123456789abc', 'br-0123456789AB', 'docker1']) t.notOk(isDockerBridgeName(no), no)
})
