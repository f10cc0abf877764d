/**
 * --autonet-bridge=NAME=CIDR as read: NAME by the kernel's own rule (dev_valid_name), CIDR a
 * gateway address (not its prefix's network or broadcast address). A bad NAME stops dockerd
 * (contract point 5, exit 2); a bad CIDR with a readable NAME steps aside with --bridge=NAME.
 */
import t from 'tap'
import { interfaceNameProblem, readBridge } from '../../src/cli/option-values.js'
import { readInvocation } from '../../src/cli/invocation.js'

t.test('interface names: the kernel\'s rule, each broken rule named', async (t) => {
  const bad: Array<[string, RegExp]> = [
    ['', /it is empty/],
    ['a'.repeat(16), /^16 bytes, at most 15 \(IFNAMSIZ 16 with the NUL\)$/],
    // 8 characters, 16 bytes: what counts is bytes.
    ['é'.repeat(8), /^16 bytes, at most 15/],
    ['.', /"\." and "\.\." are refused/],
    ['..', /"\." and "\.\." are refused/],
    ['br/ci', /no "\/"/],
    ['br:0', /no ":"/],
    ['br ci', /whitespace.*0x20/],
    ['br\tci', /whitespace.*0x09/],
    ['br\vci', /whitespace.*0x0b/],
    // c3 a0: the kernel's isspace() is true for 0xa0 (ip link add refuses it with EINVAL).
    ['brà', /whitespace.*0xa0/],
    ['br=ci', /no "=" \(it separates NAME from CIDR\)/],
  ]
  for (const [name, why] of bad) t.match(interfaceNameProblem(name), why, JSON.stringify(name))
  for (const name of ['br-ci', 'a'.repeat(15), 'é'.repeat(7), 'br.ci', 'br_ci@1', 'ĉ']) t.equal(interfaceNameProblem(name), null, name)
})

t.test('a NAME the kernel refuses: dockerd does not start (point 5), the message names the option and the rule', async (t) => {
  for (const [raw, why] of [['é'.repeat(8), /16 bytes, at most 15/], ['brà', /no whitespace/]] as const) {
    t.throws(() => readInvocation([`--autonet-bridge=${raw}=10.99.0.1/24`, '--debug'], {}),
      { exitCode: 2, message: new RegExp(`^invalid value for --autonet-bridge: .*is not an interface name: ${why.source}.*not starting dockerd`) }, raw)
    t.throws(() => readInvocation(['--debug'], { DOCKERD_AUTONET_BRIDGE: `${raw}=10.99.0.1/24` }),
      { exitCode: 2, message: /^invalid value for DOCKERD_AUTONET_BRIDGE: / }, `${raw} from the environment`)
  }
})
