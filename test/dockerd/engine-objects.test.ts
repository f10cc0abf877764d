import t from 'tap'
import { containerAddresses, parseContainers, parseNetworks, publishedUdpPorts } from '../../src/dockerd/engine-objects.js'
import { inspectSyslog } from '../helpers/engine-fixtures.js'

const INSPECT = inspectSyslog()

t.test('publishedUdpPorts and containerAddresses read docker inspect', async (t) => {
  t.same(publishedUdpPorts(INSPECT), [{ hostIp: null, hostPort: 5514, containerPort: 514 }], 'one UDP port, both families folded')
  t.same(publishedUdpPorts({ NetworkSettings: { Ports: { '514/udp': [{ HostIp: '10.0.0.10', HostPort: '1514' }] } } }),
    [{ hostIp: '10.0.0.10', hostPort: 1514, containerPort: 514 }])
  t.same(publishedUdpPorts({ HostConfig: { NetworkMode: 'host' }, NetworkSettings: { Ports: {} } }), [])
  t.same(publishedUdpPorts(null), [])
  t.same(containerAddresses(INSPECT), ['172.17.0.3'])
  t.same(containerAddresses({ NetworkSettings: { Networks: { a: { IPAddress: '10.99.0.2', GlobalIPv6Address: 'fd00::2' }, b: { IPAddress: '172.18.0.5' } } } }),
    ['10.99.0.2', 'fd00::2', '172.18.0.5'])
})

t.test('parse the API answers of dockerd 20.10 (recorded)', async (t) => {
  const networks = parseNetworks([
    { Name: 'none', Id: 'e8ad3cc8a067', Driver: 'null', IPAM: { Config: [] }, Options: {} },
    { Name: 'bridge', Id: 'da0f9300c692685b', Driver: 'bridge', IPAM: { Config: [{ Subnet: '172.17.0.0/16' }] },
      Options: { 'com.docker.network.bridge.name': 'docker0', 'com.docker.network.driver.mtu': '1500' } },
    { Name: 'ci', Id: '0123456789abcdef', Driver: 'bridge', IPAM: { Config: [{ Subnet: '172.20.0.0/16', Gateway: '172.20.0.1' }] }, Options: {} },
  ])
  t.same(networks, [
    { name: 'none', id: 'e8ad3cc8a067', driver: 'null', bridge: null, mtu: null, subnets: [] },
    { name: 'bridge', id: 'da0f9300c692', driver: 'bridge', bridge: 'docker0', mtu: 1500, subnets: ['172.17.0.0/16'] },
    { name: 'ci', id: '0123456789ab', driver: 'bridge', bridge: 'br-0123456789ab', mtu: null, subnets: ['172.20.0.0/16'] },
  ])
  t.same(parseContainers([{ Id: '27ce1c217c79b9c1', Names: ['/web'], NetworkSettings: { Networks: {
    bridge: { IPAddress: '172.17.0.2', GlobalIPv6Address: '' }, ci: { IPAddress: '172.20.0.3', GlobalIPv6Address: 'fd00::3' } } } }]),
  [{ id: '27ce1c217c79', name: 'web', ips: ['172.17.0.2', '172.20.0.3', 'fd00::3'] }])
  t.throws(() => parseNetworks({ message: 'nope' }), /expected a list/)
})
