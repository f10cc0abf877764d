import t from 'tap'
import { addressToBigInt, formatAddress, formatPrefix, isGoCidr, isLinkScoped, parsePrefix, prefixContains, prefixesOverlap } from '../../src/net/prefix.js'

t.test('prefixes of both families: parse, contain, overlap, format', async (t) => {
  t.equal(formatPrefix(parsePrefix('10.1.2.3/8')), '10.0.0.0/8', 'host bits cleared')
  t.ok(prefixContains(parsePrefix('172.17.0.0/16'), '172.17.255.254'))
  t.notOk(prefixContains(parsePrefix('172.17.0.0/16'), '172.18.0.1'))
  t.notOk(prefixContains(parsePrefix('172.17.0.0/16'), '::ffff:172.17.0.1'), 'families never match')
  t.ok(prefixContains(parsePrefix('2001:db8::/32'), '2001:db8:1::5'))
  t.ok(prefixesOverlap(parsePrefix('10.0.0.0/8'), parsePrefix('10.99.0.0/16')))
  t.notOk(prefixesOverlap(parsePrefix('10.0.0.0/16'), parsePrefix('10.1.0.0/16')))
  t.equal(formatPrefix(parsePrefix('default', 6)), '::/0')
  t.throws(() => parsePrefix('10.0.0.0/33'), /bad prefix length in "10.0.0.0\/33"/)
  t.throws(() => parsePrefix('eth0'), /not an IP address: "eth0"/)
})

t.test('isLinkScoped: link-local and multicast ranges, by prefix, not by text', async (t) => {
  for (const yes of ['fe80::1/64', 'fe80::/64', 'febf::1', 'ff02::fb', 'ff00::/8', '169.254.1.1/16', '224.0.0.22', '239.1.2.3/32']) t.ok(isLinkScoped(yes), yes)
  // A text check ("fe8:", "ff:") would take these for link-scoped ones.
  for (const no of ['fe8::1', 'ff::1', 'fec0::1', '2001:db8::1', '172.17.0.1/16', '10.0.0.1', 'default', 'garbage', '::/0']) t.notOk(isLinkScoped(no), no)
})

t.test('formatAddress writes RFC 5952 text (section 4.2)', async (t) => {
  const v = (s: string) => addressToBigInt(s).value
  t.equal(formatAddress(6, v('2001:db8:0:0:1:0:0:1')), '2001:db8::1:0:0:1', 'the first run on a tie')
  t.equal(formatAddress(6, v('2001:0:0:1:0:0:0:1')), '2001:0:0:1::1', 'the longest run')
  t.equal(formatAddress(6, v('2001:db8:1:1:1:1:0:1')), '2001:db8:1:1:1:1:0:1', 'a single zero group stays')
  t.equal(formatAddress(6, 0n), '::')
  t.equal(formatAddress(6, v('fe80::1')), 'fe80::1')
  t.equal(formatAddress(6, v('2001:DB8::A')), '2001:db8::a', 'lower case')
  t.equal(formatAddress(4, v('10.1.2.3')), '10.1.2.3')
})

t.test('formatPrefix compresses the longest zero run, not the first (was 2001:db8::1:0:0:0/80)', async (t) => {
  t.equal(formatPrefix(parsePrefix('2001:db8:0:0:1::/80')), '2001:db8:0:0:1::/80')
  t.equal(formatPrefix(parsePrefix('2001:db8::/32')), '2001:db8::/32')
  t.equal(formatPrefix(parsePrefix('fd00:0:0:1::/64')), 'fd00:0:0:1::/64')
})

t.test('isGoCidr: what Go\'s net.ParseCIDR takes (an address, "/", a decimal length within the family)', async (t) => {
  for (const ok of ['10.1.0.1/24', '0.0.0.0/0', '10.1.0.1/32', 'fd00::1/64', '::/0', '::ffff:10.0.0.1/128']) t.ok(isGoCidr(ok), ok)
  for (const no of ['10.1.0.1', '10.1.0.1/', '10.1.0.1/33', '10.1.0.1/x', '10.1.0.1/ 24', 'x', '', 'default', 'fd00::1/129', 'fe80::1%eth0/64', '010.1.0.1/24', '10.1.0.1/24/8']) t.notOk(isGoCidr(no), no)
})
