import t from 'tap'
import { fileBridgeClash, mtuValue, ownBridgeChoice, refusedCount, refusedMtu, refusedSetting, resolveSettings } from '../../src/dockerd/settings.js'

t.test('flags beat daemon.json; every spelling counts', async (t) => {
  const s = resolveSettings(['-bbr-ci', '--mtu', '1400', '--bip=10.1.0.1/24', '--ipv6', '-H', 'unix:///run/d.sock'],
    { bridge: 'br-file', mtu: 1300, bip: '10.2.0.1/24', hosts: ['unix:///file.sock'], 'fixed-cidr-v6': 'fd00::/64' })
  t.equal(s.bridge, 'br-ci')
  t.same(s.mtu, { value: 1400, raw: '1400', source: 'your --mtu 1400', flag: '--mtu 1400' })
  t.same(s.fileMtu, { value: 1300, raw: '1300', source: 'daemon.json "mtu": 1300', flag: null }, 'the file\'s value, though the flag wins')
  t.equal(s.bip, '10.1.0.1/24')
  t.equal(s.fixedCidrV6, 'fd00::/64')
  t.equal(s.ipv6, true)
  t.same(s.hosts, ['unix:///run/d.sock'])
})

t.test('from daemon.json alone', async (t) => {
  const s = resolveSettings([], { bridge: 'br-file', mtu: '1300', ipv6: true, hosts: ['fd://', 7], 'default-address-pools': [{ base: '10.10.0.0/16', size: 24 }] })
  t.equal(s.bridge, 'br-file')
  t.same(s.mtu, { value: 1300, raw: '1300', source: 'daemon.json "mtu": "1300"', flag: null })
  t.equal(s.ipv6, true)
  t.same(s.hosts, ['fd://'], 'strings only')
  t.same(s.addressPools, [{ base: '10.10.0.0/16', from: 'daemon.json default-address-pools' }])
})

t.test('nothing said: nulls and defaults', async (t) => {
  const s = resolveSettings([], null)
  t.match(s, { bridge: null, mtu: null, bip: null, fixedCidr: null, fixedCidrV6: null, addressPools: [], ipv6: false, hosts: [], networkMtu: null })
  t.equal(resolveSettings(['--ipv6=false'], { ipv6: 'true' }).ipv6, false, 'daemon.json takes a JSON true only')
  t.same(resolveSettings(['--default-address-pool', 'base=10.20.0.0/16,size=24'], null).addressPools, [{ base: '10.20.0.0/16', from: '--default-address-pool' }])
})

t.test('mtuValue: integers and numeric strings only', async (t) => {
  t.equal(mtuValue(1400), 1400)
  t.equal(mtuValue(' 1400 '), 1400)
  for (const bad of ['14OO', 1400.5, null, '', '-1']) t.equal(mtuValue(bad), null, String(bad))
})

t.test('refusedMtu: the MTUs dockerd refuses to start on, named with their source', async (t) => {
  const of = (argv: string[], daemonJson: Record<string, unknown> | null = null) => refusedMtu(resolveSettings(argv, daemonJson))
  const pflag = (text: string, v: string) => `your ${text} is not an integer: dockerd refuses it (pflag: invalid argument ${JSON.stringify(v)} for "--mtu" flag)`
  t.equal(of(['--mtu=abc']), pflag('--mtu=abc', 'abc'))
  t.equal(of(['--mtu=']), pflag('--mtu=', ''))
  t.equal(of(['--mtu', '1.5']), pflag('--mtu 1.5', '1.5'))
  t.equal(of(['--mtu=abc', '--mtu=1400']), pflag('--mtu=abc', 'abc'), 'pflag parses every use, not only the last')
  t.equal(of(['--mtu=-1']), 'your --mtu=-1 is negative: dockerd refuses to start ("invalid default MTU: -1")')
  t.equal(of(['--mtu', '-1']), 'your --mtu -1 is negative: dockerd refuses to start ("invalid default MTU: -1")')
  t.equal(of(['--mtu=-1', '--mtu=1400']), null, 'the last --mtu is the one validated')
  t.equal(of([], { mtu: -5 }), 'daemon.json "mtu": -5 is negative: dockerd refuses to start ("invalid default MTU: -5")')
  const goJson = 'dockerd refuses the file (Go\'s encoding/json will not read it into its int "mtu")'
  t.equal(of([], { mtu: '1400' }), `daemon.json "mtu": "1400" is a string, not a number: ${goJson}`)
  t.equal(of([], { mtu: '0x578' }), `daemon.json "mtu": "0x578" is a string, not a number: ${goJson}`)
  t.equal(of([], { mtu: true }), `daemon.json "mtu": true is a boolean, not a number: ${goJson}`)
  t.equal(of([], { mtu: [1400] }), `daemon.json "mtu": [1400] is an array, not a number: ${goJson}`)
  t.equal(of([], { mtu: 1400.5 }), `daemon.json "mtu": 1400.5 is not an integer: ${goJson}`)
  // Trial 5: "99999999999999999999 ... is not an integer" named a rounded integer as no integer.
  t.equal(of([], { mtu: 1e20 }), `daemon.json "mtu" is past the range of Go's int (64 bits): ${goJson}`, 'beyond int64, not reprinted as JSON.parse rounded it')
  t.equal(of([], { mtu: Infinity }), `daemon.json "mtu" is past the range of Go's int (64 bits): ${goJson}`, '1e400')
  t.equal(of([], { mtu: 2 ** 63 }), `daemon.json "mtu" is past the range of Go's int (64 bits): ${goJson}`)
  const unusable = 'is not a usable MTU (68..65535 bytes): dockerd fails to set it on the bridge and does not start'
  t.equal(of(['--mtu=70000']), `your --mtu=70000 ${unusable}`)
  t.equal(of([], { mtu: 70000 }), `daemon.json "mtu": 70000 ${unusable}`)
  t.equal(of(['--mtu=40']), `your --mtu=40 ${unusable}`)
  t.equal(of(['--mtu=70000', '--mtu=1400']), null, 'the last --mtu is the one dockerd sets')
  for (const ok of [['--mtu=1400'], ['--mtu=0'], ['--mtu=0x578'], []]) t.equal(of(ok), null, JSON.stringify(ok))
  for (const mtu of [1400, 0, null]) t.equal(of([], { mtu }), null, `"mtu": ${mtu}`)
})

t.test('refusedSetting: -b with --bip, a log level dockerd does not know, a --bip that is no CIDR', async (t) => {
  const of = (argv: string[], daemonJson: Record<string, unknown> | null = null, version: string | null = null) => refusedSetting(resolveSettings(argv, daemonJson), version)
  const both = (key: string) => `dockerd refuses to start ("You specified -b & --${key}, mutually exclusive options")`
  t.equal(of(['-b', 'br0', '--bip=10.1.0.1/24']), `your -b br0 and your --bip=10.1.0.1/24 together: ${both('bip')}`)
  t.equal(of(['--bridge=br0'], { bip: '10.1.0.1/24' }), `your --bridge=br0 and daemon.json "bip": "10.1.0.1/24" together: ${both('bip')}`)
  t.equal(of([], { bridge: 'br0', bip6: 'fd00::1/64' }), `daemon.json "bridge": "br0" and daemon.json "bip6": "fd00::1/64" together: ${both('bip6')}`)
  t.equal(of(['-b', 'br0', '--bip=']), null, 'an empty --bip is the default')
  t.equal(of(['-b=', '--bip=10.1.0.1/24']), null, 'so is an empty -b')
  const levels = 'trace, debug, info, warn, error, fatal, panic'
  t.equal(of(['--log-level=verbose']), `your --log-level=verbose is not a log level dockerd knows (${levels}): dockerd refuses to start ("invalid logging level: verbose")`)
  t.equal(of(['-l', 'bogus']), `your -l bogus is not a log level dockerd knows (${levels}): dockerd refuses to start ("invalid logging level: bogus")`)
  t.equal(of([], { 'log-level': 'bogus' }), `daemon.json "log-level": "bogus" is not a log level dockerd knows (${levels}): dockerd refuses to start ("invalid logging level: bogus")`)
  t.match(of(['--log-level=warning'], null, '26.1.5+dfsg1'), /invalid logging level: warning/, '26 refuses "warning"')
  t.equal(of(['--log-level=warning'], null, '20.10.24+dfsg1'), null, '20.10 reads it as warn (logrus)')
  t.equal(of(['--log-level=warning']), null, 'an unknown engine is given the benefit of the doubt')
  for (const level of ['debug', 'DEBUG', 'Trace', 'panic', 'info', 'warn', 'error', 'fatal', '']) t.equal(of([`--log-level=${level}`], null, '28.5.2'), null, level)
  const cidr = 'is not an address with its prefix length (10.1.0.1/24): dockerd refuses to start (Go\'s net.ParseCIDR fails on it)'
  t.equal(of(['--bip=x']), `your --bip=x ${cidr}`)
  t.equal(of(['--bip', '10.1.0.1']), `your --bip 10.1.0.1 ${cidr}`)
  t.equal(of([], { bip: '10.1.0.1' }), `daemon.json "bip": "10.1.0.1" ${cidr}`)
  for (const argv of [['--bip=10.1.0.1/24'], ['--bip='], ['-b', 'br0'], []]) t.equal(of(argv), null, JSON.stringify(argv))
})

t.test('refusedSetting: a log format, default cgroup namespace or IPC mode outside its set, flag or file (trial: moby Validate)', async (t) => {
  const of = (argv: string[], daemonJson: Record<string, unknown> | null = null) => refusedSetting(resolveSettings(argv, daemonJson), null)
  t.equal(of(['--log-format=xml']), 'your --log-format=xml is not one of "text", "json": dockerd refuses to start (invalid log format: xml)')
  t.equal(of([], { 'log-format': 'JSON' }), 'daemon.json "log-format": "JSON" is not one of "text", "json": dockerd refuses to start (invalid log format: JSON)')
  t.equal(of(['--default-cgroupns-mode=bogus']), 'your --default-cgroupns-mode=bogus is not one of "host", "private": dockerd refuses to start (default cgroup namespace mode (bogus) is invalid; use "host" or "private")')
  t.equal(of(['--default-ipc-mode=bogus']), 'your --default-ipc-mode=bogus is not one of "private", "shareable": dockerd refuses to start (default IPC mode setting (bogus) is invalid; use "shareable" or "private")')
  t.equal(of([], { 'default-ipc-mode': 'host' }), 'daemon.json "default-ipc-mode": "host" is not one of "private", "shareable": dockerd refuses to start (IPC mode "host" is not supported as default value; use "shareable" or "private")')
  t.match(of(['--default-ipc-mode=container:x']), /IPC mode "container:x" is not supported as default value/)
  for (const argv of [['--log-format=text'], ['--log-format=json'], ['--log-format='], ['--default-cgroupns-mode=host'], ['--default-cgroupns-mode=private'],
    ['--default-ipc-mode=private'], ['--default-ipc-mode=shareable'], ['--default-ipc-mode=']]) t.equal(of(argv), null, JSON.stringify(argv))
})

// Trial 3: --fixed-cidr-v6=bogus got the clamp applied and --mtu appended; 26.1 and 28.5 refuse it.
t.test('refusedSetting: a --fixed-cidr-v6 that is no IPv6 prefix, for an engine known to be 26 or later', async (t) => {
  const of = (argv: string[], daemonJson: Record<string, unknown> | null, version: string | null) => refusedSetting(resolveSettings(argv, daemonJson), version)
  t.equal(of(['--fixed-cidr-v6=bogus'], null, '26.1.5'), 'your --fixed-cidr-v6=bogus is not a prefix (fd00:1::/64): dockerd 26.1.5 refuses to start ("invalid fixed-cidr-v6")')
  t.equal(of([], { 'fixed-cidr-v6': '10.0.0.0/24' }, '28.5.2'), 'daemon.json "fixed-cidr-v6": "10.0.0.0/24" is not an IPv6 prefix: dockerd 28.5.2 refuses to start ("fixed-cidr-v6 is not an IPv6 subnet")')
  // Trial 4: moby's ValidateFixedCIDRV6 (v26.1.5, v28.5.2 source and tests).
  t.match(of(['--fixed-cidr-v6=::ffff:10.2.4.0/24'], null, '26.1.5'), /is not an IPv6 prefix: dockerd 26\.1\.5 refuses/)
  t.match(of(['--fixed-cidr-v6=::ffff:a01:203/24'], null, '28.5.2'), /is not an IPv6 prefix/)
  // --validate: 26.1.5 refuses a prefix whose address lies in fe80::/64, 28.5.2 any that overlaps it.
  for (const bad of ['fe80::/63', 'fe80::/65', 'fe80::/48', 'fe80::/10', 'fe80::/128']) {
    t.equal(of([`--fixed-cidr-v6=${bad}`], null, '26.1.5'), `your --fixed-cidr-v6=${bad} clashes with fe80::/64, the link-local prefix: dockerd 26.1.5 refuses to start ("clash with the Link-Local prefix 'fe80::/64'")`, bad)
  }
  for (const bad of ['::/0', '8000::/1', 'fe00::/7']) {
    t.match(of([`--fixed-cidr-v6=${bad}`], null, '28.5.2'), /clashes with fe80::\/64/, `${bad} on 28.5.2`)
    t.equal(of([`--fixed-cidr-v6=${bad}`], null, '26.1.5'), null, `${bad} on 26.1.5`)
  }
  for (const ok of ['fe80::/64', 'fe80::1/64', 'fe80:1234::/80', '2001:db8::/32', 'fd00::/64', '::/1']) t.equal(of([`--fixed-cidr-v6=${ok}`], null, '28.5.2'), null, ok)
  for (const [argv, version] of [[['--fixed-cidr-v6=fd00::1/64'], '26.1.5'], [['--fixed-cidr-v6='], '28.5.2'], [['--fixed-cidr-v6=bogus'], '20.10.24'], [['--fixed-cidr-v6=bogus'], null]] as [string[], string | null][]) {
    t.equal(of(argv, null, version), null, `${JSON.stringify(argv)} on ${version}`)
  }
})

t.test('refusedCount: a negative download or upload count, flag or file (trial: moby Validate)', async (t) => {
  const of = (argv: string[], daemonJson: Record<string, unknown> | null = null, version: string | null = null) => refusedCount(resolveSettings(argv, daemonJson), version)
  t.equal(of(['--max-concurrent-downloads=-1']), 'your --max-concurrent-downloads=-1 is negative: dockerd refuses to start ("invalid max concurrent downloads: -1")')
  t.equal(of(['--max-concurrent-uploads', '-2']), 'your --max-concurrent-uploads -2 is negative: dockerd refuses to start ("invalid max concurrent uploads: -2")')
  t.equal(of(['--max-download-attempts=-0x1']), 'your --max-download-attempts=-0x1 is negative: dockerd refuses to start ("invalid max download attempts: -1")')
  t.equal(of([], { 'max-concurrent-downloads': -1 }), 'daemon.json "max-concurrent-downloads": -1 is negative: dockerd refuses to start ("invalid max concurrent downloads: -1")')
  t.equal(of([], { 'max-concurrent-uploads': -1 }), 'daemon.json "max-concurrent-uploads": -1 is negative: dockerd refuses to start ("invalid max concurrent uploads: -1")')
  t.equal(of([], { 'max-download-attempts': -1 }), 'daemon.json "max-download-attempts": -1 is negative: dockerd refuses to start ("invalid max download attempts: -1")')
  t.equal(of(['--max-concurrent-downloads=-1', '--max-concurrent-downloads=3']), null, 'the last use counts')
  for (const [argv, dj] of [[['--max-concurrent-downloads=0', '--max-concurrent-uploads=0', '--max-download-attempts=0'], null], [[], { 'max-concurrent-downloads': 0, 'max-download-attempts': 0, 'max-concurrent-uploads': 5 }],
    [['--max-concurrent-downloads=abc'], null], [[], { 'max-concurrent-downloads': '-1' }]] as const) {
    t.equal(of([...argv], dj), null, `${JSON.stringify([argv, dj])}: 0 is accepted, an unreadable value is not this rule's`)
  }
  t.equal(of(['--max-download-attempts=0'], null, '20.10.24'), 'your --max-download-attempts=0 is not positive: dockerd 20.10.24 refuses to start ("invalid max download attempts: 0")')
  t.equal(of([], { 'max-download-attempts': 0 }, '20.10.24'), 'daemon.json "max-download-attempts": 0 is not positive: dockerd 20.10.24 refuses to start ("invalid max download attempts: 0")')
  t.equal(of(['--max-download-attempts=0'], null, '23.0.0'), null, '23 and later take 0')
  t.equal(of(['--max-concurrent-downloads=0'], null, '20.10.24'), null, 'only the attempts must be positive on 20.10')
})

t.test('an empty bridge or bridge address is dockerd\'s default: docker0, no choice; an empty file "bridge" still clashes with --bridge', async (t) => {
  for (const [argv, dj] of [[['--bridge='], null], [[], { bridge: '' }], [[], { bridge: null }]] as const) {
    t.equal(resolveSettings([...argv], dj).bridge, null, `${JSON.stringify([argv, dj])}: docker0`)
  }
  const own = (dj: Record<string, unknown>) => ownBridgeChoice(resolveSettings([], dj))
  for (const dj of [{ bridge: '' }, { bridge: null }, { bip: '' }, { bip: null }, { bip6: '' }]) t.equal(own(dj), null, JSON.stringify(dj))
  t.same(own({ bridge: '', bip: '10.5.0.1/24' }), { key: 'bip', text: 'daemon.json "bip": "10.5.0.1/24"' })
  t.same(own({ bridge: 'br0' }), { key: 'bridge', text: 'daemon.json "bridge": "br0"' })
  t.same(fileBridgeClash({ bridge: '' }, 'br-ci'), { text: 'daemon.json "bridge": ""', fix: 'remove "bridge" from daemon.json or set it to "br-ci"' })
  t.same(fileBridgeClash({ bridge: null }, 'br-ci')?.text, 'daemon.json "bridge": null')
  // dockerd 26.1.5 and 28.5.2 --validate: {"proxies": {"bridge": "br0"}} with --bridge=br-ci is "specified both …: bridge".
  t.same(fileBridgeClash({ proxies: { bridge: 'br0' } }, 'br-ci'),
    { text: 'daemon.json "proxies": {"bridge": "br0"} (dockerd compares it with its flags, yet reads no bridge from it)', fix: 'remove "bridge" from "proxies" in daemon.json' })
  t.equal(fileBridgeClash({ zzz: { bridge: 'br0' } }, 'br-ci')?.fix, 'remove "bridge" from "zzz" in daemon.json')
  for (const dj of [{ bridge: 'br0' }, { bip: '' }, {}, null, { 'log-opts': { bridge: 'x' } }, { bridge: 'br0', proxies: { bridge: 'br1' } }]) t.equal(fileBridgeClash(dj, 'br-ci'), null, JSON.stringify(dj))
})
