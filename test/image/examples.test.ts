/**
 * examples/ and README.md against the code and the Dockerfile: every option they name
 * exists, every Docker tag they name is the one the image is built on, placeholders are marked,
 * and the YAML files parse.
 */
import t from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { envName, OPTIONS } from '../../src/cli/route.js'
import { REPO } from './lib/image-tree.js'

const read = (f: string) => readFileSync(join(REPO, f), 'utf8')
const EXAMPLES = ['gitlab-ci.yml', 'kubernetes-dind-sidecar.yaml', 'drone.yml', 'github-actions.yml', 'systemd/autonet.conf']
  .map((f) => `examples/${f}`)
const TEXTS = [...EXAMPLES, 'README.md']
const baseVersion = /^FROM docker:(\d+\.\d+\.\d+)-dind-alpine[\d.]+$/m.exec(read('Dockerfile'))?.[1]

t.test('the examples directory holds exactly the files checked here', async (t) => {
  const listed = readdirSync(join(REPO, 'examples'), { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile()).map((d) => join(d.parentPath, d.name).slice(REPO.length).replace(/^\//, '')).sort()
  t.same(listed, [...EXAMPLES].sort())
})

t.test('every DOCKERD_AUTONET_* variable and --autonet-* flag named is one of ours', async (t) => {
  const envs = new Set(OPTIONS.map(envName))
  const flags = new Set(OPTIONS.map((o) => `--autonet-${o.name}`))
  for (const f of TEXTS) {
    for (const [v] of read(f).matchAll(/DOCKERD_AUTONET_[A-Z_]+/g)) t.ok(envs.has(v), `${f}: ${v}`)
    for (const [v] of read(f).matchAll(/--autonet-[a-z-]+/g)) t.ok(flags.has(v), `${f}: ${v}`)
  }
})

t.test('Docker tags in the examples are the image\'s base version', async (t) => {
  t.ok(baseVersion, `Dockerfile base version ${baseVersion}`)
  for (const f of TEXTS) {
    for (const [tag, v] of read(f).matchAll(/(?<![\w/])docker:(\d+\.\d+\.\d+)[\w.-]*/g)) t.equal(v, baseVersion, `${f}: ${tag}`)
  }
})

t.test('image names are marked placeholders', async (t) => {
  for (const f of EXAMPLES.filter((f) => !f.includes('systemd'))) {
    const text = read(f)
    t.match(text, /ghcr\.io\/OWNER\/dockerd-autonet(-drone)?:VERSION/, `${f} uses the placeholder`)
    t.match(text, /REPLACE ghcr\.io\/OWNER\//, `${f} says to replace it`)
    t.notMatch(text.replace(/ghcr\.io\/OWNER\/dockerd-autonet(-drone)?:VERSION/g, ''), /dockerd-autonet[\w-]*:/, `${f}: no other image name of ours`)
  }
})

t.test('the systemd drop-in clears ExecStart before setting it', async (t) => {
  const lines = read('examples/systemd/autonet.conf').split('\n').filter((l) => l && !l.startsWith('#'))
  t.same(lines, ['[Service]', 'ExecStart=', 'ExecStart=/usr/local/bin/dockerd-autonet -H fd:// --containerd=/run/containerd/containerd.sock'])
})

t.test('the YAML examples parse', async (t) => {
  // `yaml` comes with tap (tap-yaml); without it this test only says so.
  let parseAllDocuments: ((text: string) => { errors: { message: string }[], toJS(): unknown }[]) | null = null
  try {
    ({ parseAllDocuments } = await import('yaml'))
  } catch {
    t.comment('the yaml package is not installed: YAML not parsed')
    return
  }
  for (const f of EXAMPLES.filter((f) => /\.ya?ml$/.test(f))) {
    const docs = parseAllDocuments!(read(f))
    t.same(docs.flatMap((d) => d.errors.map((e) => e.message)), [], `${f} parses`)
    t.type(docs[0]?.toJS(), 'object', `${f} is a mapping`)
  }
})

t.test('Kubernetes: the dind sidecar is privileged and shares its socket', async (t) => {
  const text = read('examples/kubernetes-dind-sidecar.yaml')
  t.match(text, /privileged: true/)
  t.match(text, /DOCKER_HOST\n\s+value: unix:\/\/\/run\/dind\/docker\.sock/, 'a unix:// DOCKER_HOST, which the entrypoint listens on')
  t.equal(text.match(/mountPath: \/run\/dind/g)?.length, 2, 'both containers mount the socket directory')
})
