import t from 'tap'
import { flagValues, goParseInt, isDockerdFlag, lastFlagValue, parseDockerdFlags, positionalArgs, refusedFlagValue, unknownFlag, valuelessFlag } from '../../src/dockerd/flags.js'

t.test('every spelling of a value flag is found, with its value', async (t) => {
  const cases: [string[], string, string][] = [
    [['--mtu', '1400'], 'mtu', '1400'],
    [['--mtu=1400'], 'mtu', '1400'],
    [['-b', 'br0'], 'bridge', 'br0'],
    [['-bbr0'], 'bridge', 'br0'],
    [['-b=br0'], 'bridge', 'br0'],
    [['--bridge=br0'], 'bridge', 'br0'],
    [['-H', 'fd://'], 'host', 'fd://'],
    [['--debug', '--mtu', '1300', '--tls=false'], 'mtu', '1300'],
  ]
  for (const [argv, name, value] of cases) {
    t.equal(lastFlagValue(parseDockerdFlags(argv), name)?.value, value, argv.join(' '))
  }
})

t.test('booleans never swallow the next flag; repeated flags keep order', async (t) => {
  const uses = parseDockerdFlags(['-D', '--iptables', '--mtu', '1400', '-H', 'unix:///a.sock', '--host=tcp://127.0.0.1:2375', '--mtu=1300'])
  t.same(uses.map((u) => u.name), ['debug', 'iptables', 'mtu', 'host', 'host', 'mtu'])
  t.equal(lastFlagValue(uses, 'mtu')?.value, '1300', 'the last --mtu wins, as in pflag')
  t.same(flagValues(uses, 'host'), ['unix:///a.sock', 'tcp://127.0.0.1:2375'])
  t.equal(lastFlagValue(uses, 'host')?.text, '--host=tcp://127.0.0.1:2375')
})

t.test('an unknown flag takes the next token only when it is not a flag', async (t) => {
  t.same(parseDockerdFlags(['--some-new-bool', '--mtu=1400']).map((u) => [u.name, u.value]), [['some-new-bool', 'true'], ['mtu', '1400']])
  t.same(parseDockerdFlags(['--some-new-opt', 'x', '--mtu=1400']).map((u) => [u.name, u.value]), [['some-new-opt', 'x'], ['mtu', '1400']])
})

t.test('"--" ends flag parsing', async (t) => {
  t.same(parseDockerdFlags(['--debug', '--', '--mtu=1400']).map((u) => u.name), ['debug'])
})

t.test('goParseInt reads integers as pflag does (strconv.ParseInt(s, 0, 64))', async (t) => {
  const rows: [string, number | null][] = [
    ['1400', 1400], ['0x578', 1400], ['0X578', 1400], ['01400', 768], ['0o2570', 1400], ['0b10101111000', 1400],
    ['1_400', 1400], ['0x_578', 1400], ['+1400', 1400], ['-1', -1], ['0', 0],
    ['08', null], ['1__400', null], ['_1400', null], ['1400_', null], [' 1400', null], ['1400 ', null], ['14OO', null], ['', null], ['0x', null], ['1.4e3', null],
  ]
  for (const [text, want] of rows) t.equal(goParseInt(text), want, JSON.stringify(text))
})

t.test('positionalArgs: the words dockerd will refuse (it takes no arguments)', async (t) => {
  t.same(positionalArgs(['--debug', 'stray']), ['stray'])
  t.same(positionalArgs(['-D', 'x']), ['x'], 'a boolean shorthand takes no value')
  t.same(positionalArgs(['-Dl', 'debug', '-H', 'fd://', '--mtu', '1400', '--label', 'a b']), [], 'grouped shorthands, value flags')
  t.same(positionalArgs(['--new-flag', 'value']), [], 'an unknown flag gets the benefit of the doubt')
  t.same(positionalArgs(['--debug', '--']), [])
  t.same(positionalArgs(['--debug', '--', '-x', 'y']), ['-x', 'y'])
  t.same(positionalArgs(['-']), ['-'])
})

t.test('valuelessFlag: a value flag left without its value where planned flags go (the end, or before "--")', async (t) => {
  const rows: [string[], string | null][] = [
    [['--log-level'], '--log-level'], [['--debug', '--bip'], '--bip'], [['-H'], '-H'], [['-Dl'], '-Dl'],
    [['--debug', '--bip', '--'], '--bip'], [['--mtu', '1400', '--label'], '--label'],
    [['--log-level', 'debug'], null], [['--log-level='], null], [['-H', 'fd://'], null], [['-Hfd://'], null],
    [['--debug'], null], [['-D'], null], [['--iptables'], null], [['--ip-forward-no-drop'], null],
    [['--some-new-flag'], null], [[], null], [['--bip', '--', 'x'], '--bip'],
  ]
  for (const [argv, want] of rows) t.equal(valuelessFlag(argv), want, JSON.stringify(argv))
})

t.test('a value flag takes the next word even when it starts with "-", as pflag does', async (t) => {
  t.same(parseDockerdFlags(['--log-level', '--debug']).map((u) => [u.name, u.value]), [['log-level', '--debug']])
  t.same(positionalArgs(['--dns', '-x']), [])
})

t.test('unknownFlag: a flag no dockerd has, in pflag\'s words (dockerd exits on it)', async (t) => {
  const rows: [string[], string | null][] = [
    [['--mtuu=1400'], 'unknown flag: --mtuu'], [['--foo'], 'unknown flag: --foo'], [['--debug', '--foo', 'bar'], 'unknown flag: --foo'],
    [['-x'], "unknown shorthand flag: 'x' in -x"], [['-Dx'], "unknown shorthand flag: 'x' in -Dx"], [['-x', 'v'], "unknown shorthand flag: 'x' in -x"],
    [['--debug', '-H', 'fd://', '--mtu=1400', '-bbr0', '-Dl', 'info', '--iptables=false'], null],
    [['--graph=/g', '--restart', '--cluster-store=x'], null], [['--', '--foo'], null], [[], null],
  ]
  for (const [argv, want] of rows) t.equal(unknownFlag(argv), want, JSON.stringify(argv))
})

t.test('every flag of the engines on this project\'s test machines is known: dockerd --help of 20.10.24, 26.1.5, 28.5.2 (Debian bookworm, trixie, sid), and their hidden flags', async (t) => {
  // Long names as `dockerd --help` lists them (union of the three), then moby's MarkHidden/MarkDeprecated ones.
  const help = `add-runtime allow-direct-routing allow-nondistributable-artifacts api-cors-header authorization-plugin bip bip6
    bridge cdi-spec-dir cgroup-parent config-file containerd containerd-namespace containerd-plugins-namespace cpu-rt-period
    cpu-rt-runtime cri-containerd data-root debug default-address-pool default-cgroupns-mode default-gateway default-gateway-v6
    default-ipc-mode default-network-opt default-runtime default-shm-size default-ulimit dns dns-opt dns-search exec-opt exec-root
    experimental feature fixed-cidr fixed-cidr-v6 group help host host-gateway-ip http-proxy https-proxy icc init init-path
    insecure-registry ip ip-forward ip-forward-no-drop ip-masq ip6tables iptables ipv6 label live-restore log-driver log-format
    log-level log-opt max-concurrent-downloads max-concurrent-uploads max-download-attempts metrics-addr mtu
    network-control-plane-mtu no-new-privileges no-proxy node-generic-resource oom-score-adjust pidfile raw-logs registry-mirror
    rootless seccomp-profile selinux-enabled shutdown-timeout storage-driver storage-opt swarm-default-advertise-addr tls tlscacert
    tlscert tlskey tlsverify userland-proxy userland-proxy-path userns-remap validate version
    graph restart cluster-advertise cluster-store cluster-store-opt network-diagnostic-port`.split(/\s+/)
  t.same(help.filter((name) => !isDockerdFlag(name)), [])
  for (const short of ['b', 'D', 'G', 'H', 'l', 'p', 's', 'v', 'h']) t.equal(unknownFlag([`-${short}`, 'x']), null, `-${short}`)
})

t.test('refusedFlagValue: a boolean or integer flag value pflag refuses, in pflag\'s words', async (t) => {
  const refused: [string[], string][] = [
    [['--debug=yes'], 'your --debug=yes is not a boolean: dockerd refuses it (pflag: invalid argument "yes" for "-D, --debug" flag)'],
    [['-D=yes'], 'your -D=yes is not a boolean: dockerd refuses it (pflag: invalid argument "yes" for "-D, --debug" flag)'],
    [['--ipv6=yes'], 'your --ipv6=yes is not a boolean: dockerd refuses it (pflag: invalid argument "yes" for "--ipv6" flag)'],
    [['--iptables=nope', '--ipv6=yes'], 'your --iptables=nope is not a boolean: dockerd refuses it (pflag: invalid argument "nope" for "--iptables" flag)'],
    [['--debug='], 'your --debug= is not a boolean: dockerd refuses it (pflag: invalid argument "" for "-D, --debug" flag)'],
    [['--max-concurrent-downloads=abc'], 'your --max-concurrent-downloads=abc is not an integer: dockerd refuses it (pflag: invalid argument "abc" for "--max-concurrent-downloads" flag)'],
    [['--shutdown-timeout', '1.5'], 'your --shutdown-timeout 1.5 is not an integer: dockerd refuses it (pflag: invalid argument "1.5" for "--shutdown-timeout" flag)'],
  ]
  for (const [argv, why] of refused) t.equal(refusedFlagValue(parseDockerdFlags(argv)), why, argv.join(' '))
  for (const flag of ['max-concurrent-uploads', 'max-download-attempts', 'oom-score-adjust', 'network-control-plane-mtu', 'cpu-rt-period', 'cpu-rt-runtime', 'network-diagnostic-port', 'mtu']) {
    t.match(refusedFlagValue(parseDockerdFlags([`--${flag}=abc`])), `for "--${flag}" flag`, `--${flag}=abc`)
  }
  const accepted = [['--debug'], ['-D', '--ipv6=false', '--iptables=0', '--tls=T'], ['--shutdown-timeout=0x10', '--mtu=1_400', '--cpu-rt-runtime=-1'], ['--log-level=yes', '--bip=x']]
  for (const argv of accepted) t.equal(refusedFlagValue(parseDockerdFlags(argv)), null, argv.join(' '))
})
