/**
 * addressFamily stands in for `net.isIP` on the start path (src/net/prefix.ts says why), so it
 * must answer exactly as Node does: checked over generated text with fast-check (fixed seed),
 * near-addresses most of all, where a hand parser goes wrong.
 */
import fc from 'fast-check'
import { isIP } from 'node:net'
import t from 'tap'
import { addressFamily, addressToBigInt } from '../../src/net/prefix.js'

const SEED = 42
const RUNS = Number(process.env.AUTONET_PROPERTY_RUNS ?? 20_000)

const octet = fc.oneof(fc.integer({ min: 0, max: 255 }).map(String), fc.integer({ min: 0, max: 999 }).map(String), fc.constantFrom('00', '01', '010', '', '-1', '1a'))
const v4 = fc.array(octet, { minLength: 3, maxLength: 5 }).map((xs) => xs.join('.'))
const hextet = fc.oneof(fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16)), fc.constantFrom('', '0', '00000', 'g', 'FFFF', 'fFfF', '12345', '1.2.3.4'))
const v6 = fc.record({
  groups: fc.array(hextet, { minLength: 0, maxLength: 9 }),
  gap: fc.option(fc.nat(9)),
  tail: fc.option(v4),
  zone: fc.option(fc.constantFrom('eth0', '', 'a%b', 'br-1.2:x', ' ', '_')),
}).map(({ groups, gap, tail, zone }) => {
  const head = gap === null ? groups.join(':') : `${groups.slice(0, gap).join(':')}::${groups.slice(gap).join(':')}`
  const addr = tail === null ? head : `${head}${head.endsWith(':') ? '' : ':'}${tail}`
  return zone === null ? addr : `${addr}%${zone}`
})
/** One character inserted, dropped or replaced: the near misses. */
const mutated = fc.tuple(fc.oneof(v4, v6), fc.nat(), fc.constantFrom(':', '.', '%', '0', 'f', 'x', ' ', ''), fc.boolean())
  .map(([s, at, c, drop]) => { const i = s.length ? at % s.length : 0; return s.slice(0, i) + c + s.slice(drop ? i + 1 : i) })
const noise = fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF:.%-zZ '.split('')), maxLength: 45 })

t.test(`property: addressFamily answers as net.isIP (fast-check, ${RUNS} runs per generator, seed ${SEED})`, async (t) => {
  let runs = 0
  for (const [name, arb] of [['IPv4-like', v4], ['IPv6-like', v6], ['one character off', mutated], ['noise', noise]] as const) {
    fc.assert(fc.property(arb, (text) => { runs++; return addressFamily(text) === isIP(text) }), { seed: SEED, numRuns: RUNS })
    t.pass(`${name}: agrees with net.isIP`)
  }
  t.comment(`fast-check: ${runs} runs, seed ${SEED}`)
})

t.test('addressFamily on the forms that trip hand parsers', async (t) => {
  const cases: Array<[string, 0 | 4 | 6]> = [
    ['10.0.0.1', 4], ['255.255.255.255', 4], ['256.0.0.1', 0], ['010.0.0.1', 0], ['1.2.3', 0], ['1.2.3.4.', 0],
    ['::', 6], ['::1', 6], ['1::', 6], ['1:2:3:4:5:6:7:8', 6], ['1:2:3:4:5:6:7::', 6], ['1:2:3:4:5:6:7:8::', 0],
    ['1::2::3', 0], [':::', 0], [':1:2:3:4:5:6:7', 0], ['::ffff:10.0.0.1', 6], ['1:2:3:4:5:6:1.2.3.4', 6],
    ['1:2:3:4:5:6::1.2.3.4', 0], ['1.2.3.4::', 0], ['fe80::1%eth0', 6], ['fe80::1%', 0], ['fe80::1%a%b', 0],
    ['12345::', 0], ['', 0], ['eth0', 0], ['default', 0],
  ]
  for (const [text, want] of cases) t.equal(addressFamily(text), want, JSON.stringify(text))
  for (const [text] of cases) t.equal(addressFamily(text), isIP(text), `${JSON.stringify(text)} as net.isIP`)
  t.equal(addressToBigInt('::ffff:10.0.0.1').value, 0xffff0a000001n, 'the IPv4 tail still parses')
})
