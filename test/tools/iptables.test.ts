import t from 'tap'
import { mssClampArgs } from '../../src/tools/iptables.js'

t.test('the MSS clamp rule: mangle FORWARD, SYNs only, clamped to the PMTU, tagged as ours', async (t) => {
  t.same(mssClampArgs('-C'), ['-t', 'mangle', '-C', 'FORWARD', '-p', 'tcp', '--tcp-flags', 'SYN,RST', 'SYN', '-j', 'TCPMSS', '--clamp-mss-to-pmtu', '-m', 'comment', '--comment', 'dockerd-autonet'])
  t.equal(mssClampArgs('-A')[2], '-A')
  t.equal(mssClampArgs('-D')[2], '-D')
})
