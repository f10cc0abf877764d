/**
 * flag-values.ts: values of dockerd's validated list and option flags that dockerd refuses at
 * flag parsing (the trial's examples, and values each validator accepts). The same rules are
 * held against the real engines in flag-values-oracle.test.ts.
 */
import t from 'tap'
import { refusedConfigListValue, refusedListValue, refusedMergedValue } from '../../src/dockerd/flag-values.js'
import { parseDockerdFlags } from '../../src/dockerd/flags.js'

const refused = (...argv: string[]) => refusedListValue(parseDockerdFlags(argv))

t.test('the trial examples: refused in dockerd\'s words, naming the flag as written', async (t) => {
  t.equal(refused('--label=foo'), 'your --label=foo is refused by dockerd (invalid argument "foo" for "--label" flag: bad attribute format: foo)')
  t.equal(refused('--dns=1.2.3'), 'your --dns=1.2.3 is refused by dockerd (invalid argument "1.2.3" for "--dns" flag: invalid string being converted to IP address: 1.2.3)')
  t.equal(refused('-H', 'bogus://x'), 'your -H bogus://x is refused by dockerd (invalid argument "bogus://x" for "-H, --host" flag: invalid bind address (bogus://x): unsupported proto \'bogus\')')
  t.equal(refused('--default-ulimit=nofile=abc'), 'your --default-ulimit=nofile=abc is refused by dockerd (invalid argument "nofile=abc" for "--default-ulimit" flag: strconv.ParseInt: parsing "abc": invalid syntax or value out of range)')
  t.equal(refused('--registry-mirror=notaurl'), 'your --registry-mirror=notaurl is refused by dockerd (invalid argument "notaurl" for "--registry-mirror" flag: invalid mirror: unsupported scheme "" in "notaurl")')
})

t.test('trial: --default-shm-size and --host-gateway-ip values every engine refuses', async (t) => {
  t.equal(refused('--default-shm-size=abc'), 'your --default-shm-size=abc is refused by dockerd (invalid argument "abc" for "--default-shm-size" flag: invalid size: \'abc\')')
  t.equal(refused('--default-shm-size=-1'), 'your --default-shm-size=-1 is refused by dockerd (invalid argument "-1" for "--default-shm-size" flag: invalid size: \'-1\')')
  t.match(refused('--default-shm-size=1.2.3'), /strconv\.ParseFloat: parsing "1\.2\.3": invalid syntax\)$/)
  t.equal(refused('--host-gateway-ip=bogus'), 'your --host-gateway-ip=bogus is refused by dockerd (invalid argument "bogus" for "--host-gateway-ip" flag: failed to parse IP: "bogus")')
  for (const v of ['64m', '0', '1.5g', '64 m', '-0', '1e3', '64mi', '64€']) t.equal(refused(`--default-shm-size=${v}`), null, v)
})

t.test('the first refused value wins; accepted values and other flags pass', async (t) => {
  t.match(refused('--label=a=b', '--dns=1.1.1.1', '--dns-search=-bad', '--label=x'), /^your --dns-search=-bad is refused by dockerd \(.*-bad is not a valid domain\)$/)
  t.equal(refused('--label=a=b', '--label==b', '--dns=1.1.1.1', '--dns=::1', '--dns=1.1.1.1,8.8.8.8', '-H', 'fd://', '-H=unix:///run/d.sock',
    '--host=tcp://0.0.0.0:2375', '-H=1.2.3.4:2375', '--default-ulimit=nofile=1024:2048', '--default-ulimit=core=-1', '--default-ulimit=nofile=5:-1',
    '--registry-mirror=https://m.example:5000/', '--registry-mirror=HTTP://m', '--dns-search=.', '--dns-search=example.com.',
    '--default-gateway=1.2.3.4', '--default-gateway-v6=fd00::1', '--add-runtime=crun=/usr/bin/crun',
    '--default-address-pool=base=10.10.0.0/16,size=24', '--log-opt=foo', '--storage-opt=foo', '--mtu=1400'), null)
})

t.test('where the engines differ, nothing is refused (fail open)', async (t) => {
  for (const v of ['--dns=', '--default-gateway=', '--default-gateway= 1.2.3.4', '-H=/var/run/x.sock', '--registry-mirror=https://m/path', '--registry-mirror=http:m']) {
    t.equal(refused(v), null, v)
  }
})

t.test('each validator\'s refusals', async (t) => {
  const rows: [string, RegExp][] = [
    ['--label=', /bad attribute format: \)$/],
    ['--label=com.docker.x=y', /label com\.docker\.x=y is not allowed: the namespaces/],
    ['--label=IO.Docker.x=y', /label IO\.Docker\.x=y is not allowed/],
    ['--dns=fe80::1%eth0', /converted to IP address: fe80::1%eth0\)$/],
    ['--dns=01.2.3.4', /converted to IP address: 01\.2\.3\.4\)$/],
    ['--dns=1.1.1.1,x', /converted to IP address: x\)$/],
    ['--default-gateway=1.2.3', /"--default-gateway" flag: failed to parse IP: "1\.2\.3"\)$/],
    ['--default-gateway-v6=zz', /failed to parse IP: "zz"\)$/],
    ['--dns-search=a..b', /a\.\.b is not a valid domain\)$/],
    ['--dns-search=123', /123 is not a valid domain\)$/],
    ['--dns-search=a_b', /a_b is not a valid domain\)$/],
    ['-H=ssh://x', /"-H, --host" flag: invalid bind address \(ssh:\/\/x\): unsupported proto 'ssh'\)$/],
    ['-H=TCP://x', /unsupported proto 'TCP'\)$/],
    ['-H=://x', /unsupported proto ''\)$/],
    ['--default-ulimit=nofile', /invalid ulimit argument: nofile\)$/],
    ['--default-ulimit=', /invalid ulimit argument: \)$/],
    ['--default-ulimit=NOFILE=1', /invalid ulimit type: NOFILE\)$/],
    ['--default-ulimit=nproc=0x10', /parsing "0x10"/],
    ['--default-ulimit=nofile=1_0', /parsing "1_0"/],
    ['--default-ulimit=nofile=99999999999999999999', /parsing "99999999999999999999"/],
    ['--default-ulimit=nofile=1:2:3', /too many limit value arguments - 1:2:3/],
    ['--default-ulimit=nofile=2048:1024', /ulimit soft limit must be less than or equal to hard limit: 2048 > 1024\)$/],
    ['--registry-mirror=ftp://m', /unsupported scheme "ftp" in "ftp:\/\/m"\)$/],
    ['--registry-mirror=', /unsupported scheme "" in ""\)$/],
    ['--add-runtime=foo', /invalid runtime argument: foo\)$/],
    ['--add-runtime==/x', /invalid runtime argument: =\/x\)$/],
    ['--add-runtime=a=', /invalid runtime argument: a=\)$/],
    ['--default-address-pool=foo', /invalid field 'foo' must be a key=value pair\)$/],
    ['--default-address-pool=', /flag: EOF\)$/],
    ['--default-address-pool=base=10.0.0.0/8,foo=1', /unexpected key 'foo' in 'foo=1'\)$/],
  ]
  for (const [arg, why] of rows) t.match(refused(arg), why, arg)
})

// Trial finding: dockerd 20.10, 26.1 and 28.5 (`dockerd --version <flag>`) refuse these at flag parsing; we planned and applied.
t.test('a mirror with a query, fragment or user; a generic resource or default network option without its "="s', async (t) => {
  const rows: [string, string][] = [
    ['--registry-mirror=https://m.example/path?x=1', 'invalid mirror: query or fragment at end of the URI "https://m.example/path?x=1"'],
    ['--registry-mirror=https://m.example#f', 'invalid mirror: query or fragment at end of the URI "https://m.example#f"'],
    ['--registry-mirror=https://m??', 'invalid mirror: query or fragment at end of the URI "https://m??"'],
    ['--registry-mirror=https://u:p@m.example', 'invalid mirror: username/password not allowed in URI "https://u:p@m.example"'],
    ['--registry-mirror=http://@m', 'invalid mirror: username/password not allowed in URI "http://@m"'],
    ['--node-generic-resource=bogus', 'invalid node-generic-resource format `bogus` expected `name=value`'],
    ['--default-network-opt=bridge', 'invalid value "bridge" for map option, should be root-key=key=value'],
    ['--default-network-opt=bridge=x', 'invalid value "bridge=x" for map option, should be root-key=key=value'],
  ]
  for (const [arg, why] of rows) {
    const [name, value] = [arg.slice(2, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
    t.equal(refused(arg), `your ${arg} is refused by dockerd (invalid argument ${JSON.stringify(value)} for "--${name}" flag: ${why})`, arg)
  }
  for (const arg of ['--registry-mirror=https://m?', '--registry-mirror=https://m#', '--registry-mirror=https://m/p@x', '--node-generic-resource=a=b=c',
    '--default-network-opt=bridge=com.docker.network.driver.mtu=1400', '--default-network-opt==='])
    t.equal(refused(arg), null, arg)
})

// Trial finding: dockerd 20.10, 26.1 and 28.5 (their config check) refuse these after merging flags and file; we planned and applied.
t.test('refusedMergedValue: labels giving a key two values, generic resources swarmkit cannot parse', async (t) => {
  const merged = (argv: string[], dj: Record<string, unknown> | null = null) => refusedMergedValue(parseDockerdFlags(argv), dj)
  t.equal(merged(['--label', 'a=b', '--label', 'a=c']), 'your --label a=b and --label a=c give one label two values: dockerd refuses to start ("conflict labels for a=c and a=b")')
  t.equal(merged(['--label=a=b', '--label=x=1', '--label=a=b=c']), 'your --label=a=b and --label=a=b=c give one label two values: dockerd refuses to start ("conflict labels for a=b=c and a=b")')
  t.equal(merged([], { labels: ['a=b', 'a=c'] }), 'daemon.json "labels" has "a=b" and "a=c", one label with two values: dockerd refuses to start ("conflict labels for a=c and a=b")')
  const gr = (words: string) => `could not parse GenericResource: ${words}`
  t.equal(merged([], { 'node-generic-resources': ['bogus'] }), `daemon.json "node-generic-resources": ["bogus"] is refused by dockerd (${gr('incorrect term bogus, missing \'=\' or malformed expression')})`)
  t.equal(merged(['--node-generic-resource=a=b=c']), `your --node-generic-resource=a=b=c is refused by dockerd (${gr('incorrect term a=b=c, missing \'=\' or malformed expression')})`)
  t.equal(merged(['--node-generic-resource=gpu=-1']), `your --node-generic-resource=gpu=-1 is refused by dockerd (${gr('cannot ask for negative resource gpu')})`)
  t.equal(merged(['--node-generic-resource=gpu=1', '--node-generic-resource= gpu =x']),
    `your --node-generic-resource=gpu=1 --node-generic-resource= gpu =x are refused by dockerd (${gr('mixed discrete and named resources in expression \'gpu=[1 x]\'')})`)
  t.match(merged(['--node-generic-resource=j=\u00a0-1\u3000']), /cannot ask for negative resource j\)$/, 'Go\'s TrimSpace takes Unicode blanks')
  t.equal(merged([], { 'node-generic-resources': ['gpu=1', 'gpu=2'] }), `daemon.json "node-generic-resources": ["gpu=1","gpu=2"] is refused by dockerd (${gr('mixed discrete and named resources in expression \'gpu=[1 2]\'')})`)
  for (const [argv, dj] of [
    [['--label=a=b', '--label=a=b', '--label=b=a', '--label=c'], null], [[], { labels: ['a=b', 'a=b', 1, null, 'x'] }],
    [['--node-generic-resource=gpu=a', '--node-generic-resource=gpu=b', '--node-generic-resource=fpga=2', '--node-generic-resource= ssd = 0 '], null],
    [[], { 'node-generic-resources': ['gpu=a', 'gpu=b', 'n=+3', 5] }], [[], { labels: 'x', 'node-generic-resources': {} }], [[], null],
    [['--node-generic-resource=k=\ufeff-1'], null], // Go's TrimSpace keeps U+FEFF: a name, not a count
  ] as [string[], Record<string, unknown> | null][]) t.equal(merged(argv, dj), null, JSON.stringify([argv, dj]))
})

t.test('each validator\'s refusals, continued', async (t) => {
  const rows: [string, RegExp][] = [
    ['--node-generic-resource=', /invalid node-generic-resource format `` expected `name=value`\)$/],
  ]
  for (const [arg, why] of rows) t.match(refused(arg), why, arg)
})

t.test('--ip that is no address is refused as the engines refuse it (trial 3)', async (t) => {
  t.match(refusedListValue(parseDockerdFlags(['--ip=1.2.3'])), /your --ip=1\.2\.3 is refused by dockerd \(invalid argument "1\.2\.3" for "--ip" flag: failed to parse IP: "1\.2\.3"\)/)
  t.equal(refusedListValue(parseDockerdFlags(['--ip=10.0.0.1'])), null)
})

t.test('daemon.json values are held to their flag\'s rule, naming daemon.json and the key (trial: values in the file)', async (t) => {
  const file = (dj: Record<string, unknown>) => refusedConfigListValue(dj)
  t.equal(file({ labels: ['a=b', 'foo'] }), 'daemon.json "labels" has "foo", refused by dockerd as --label=foo would be (bad attribute format: foo): it does not start on the file')
  t.equal(file({ dns: ['1.2.3'] }), 'daemon.json "dns" has "1.2.3", refused by dockerd as --dns=1.2.3 would be (invalid string being converted to IP address: 1.2.3): it does not start on the file')
  t.equal(file({ hosts: ['bogus://x'] }), 'daemon.json "hosts" has "bogus://x", refused by dockerd as --host=bogus://x would be (invalid bind address (bogus://x): unsupported proto \'bogus\'): it does not start on the file')
  t.match(file({ 'registry-mirrors': ['mirror.gcr.io'] }), /^daemon\.json "registry-mirrors" has "mirror\.gcr\.io", refused by dockerd as --registry-mirror=mirror\.gcr\.io would be \(invalid mirror: unsupported scheme "" in "mirror\.gcr\.io"\)/)
  t.equal(file({ 'default-gateway': 'x' }), 'daemon.json "default-gateway": "x" is refused by dockerd as --default-gateway=x would be (failed to parse IP: "x"): it does not start on the file')
  t.match(file({ ip: 'x' }), /^daemon\.json "ip": "x" is refused by dockerd as --ip=x would be/)
  t.match(file({ 'default-gateway-v6': 'zz' }), /^daemon\.json "default-gateway-v6": "zz" is refused/)
  t.match(file({ 'dns-search': ['-bad'] }), /^daemon\.json "dns-search" has "-bad", .*-bad is not a valid domain/)
  t.match(file({ labels: ['com.docker.x=y'] }), /label com\.docker\.x=y is not allowed/)
  t.match(file({ debug: true, ip: '1.2.3.4', labels: ['x'], dns: ['y'] }), /^daemon\.json "labels" has "x"/, 'the first in file order')
})

t.test('daemon.json values every engine accepts, and values of another kind or key, pass', async (t) => {
  t.equal(refusedConfigListValue({
    labels: ['a=b', '=b'], dns: ['1.1.1.1', '::1', ''], 'dns-search': ['example.com', '.'], hosts: ['unix:///run/d.sock', 'fd://', 'tcp://0.0.0.0:2375', ''],
    'registry-mirrors': ['https://m.example:5000/'], ip: '', 'default-gateway': '1.2.3.4', 'default-gateway-v6': 'fd00::1',
    'default-ulimits': { nofile: { Name: 'nofile', Soft: 1, Hard: 2 } }, runtimes: { crun: { path: '/usr/bin/crun' } },
    'default-address-pools': [{ base: '10.10.0.0/16', size: 24 }], 'insecure-registries': ['foo'], 'log-opts': { 'max-size': 'x' },
  }), null)
  t.equal(refusedConfigListValue({ labels: [1, null], ip: null, dns: 'x' }), null, 'not strings: refusedConfigValue\'s or dockerd\'s')
  t.equal(refusedConfigListValue(null), null)
})
