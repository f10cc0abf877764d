/**
 * examples/ and README.md against the code and the Dockerfile: every option they name
 * exists, every Docker tag they name is the one the image is built on, placeholders are marked,
 * and the YAML files parse.
 */
import t from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseAllDocuments } from 'yaml'
import { envName, OPTIONS } from '../../src/cli/options.js'
import { REPO } from './lib/image-tree.js'

const read = (f: string) => readFileSync(join(REPO, f), 'utf8')
const EXAMPLES = ['gitlab-ci.yml', 'kubernetes-dind-sidecar.yaml', 'drone.yml', 'github-actions.yml', 'systemd/autonet.conf',
  'act-runner-compose.yaml', 'woodpecker.yaml', 'jenkins-kubernetes-agent.yaml', 'buildkite-agent-stack-k8s.yaml']
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
  for (const f of EXAMPLES.filter((f) => /\.ya?ml$/.test(f))) {
    const docs = parseAllDocuments(read(f))
    const list = Array.isArray(docs) ? docs : [docs]
    t.same(list.flatMap((d) => d.errors.map((e) => e.message)), [], `${f} parses`)
    t.type(list[0]?.toJS(), 'object', `${f} is a mapping`)
  }
})

/** The example parsed (one document), as plain data. */
const yamlOf = (f: string): any => {
  const docs = parseAllDocuments(read(f))
  return (Array.isArray(docs) ? docs : [docs])[0].toJS()
}
const OURS = 'ghcr.io/OWNER/dockerd-autonet:VERSION'
type Env = { name: string, value: string }[]
const envValue = (env: Env | undefined, name: string) => env?.find((e) => e.name === name)?.value

t.test('act_runner (compose): our image is the dind service, privileged; the runner talks TLS to it', async (t) => {
  const y = yamlOf('examples/act-runner-compose.yaml')
  t.equal(y.services.dind.image, OURS, 'services.dind.image')
  t.equal(y.services.dind.privileged, true)
  t.equal(y.services.dind.environment.DOCKER_TLS_CERTDIR, '/certs')
  t.match(y.services.runner.image, /^gitea\/act_runner:\d+\.\d+\.\d+$/, 'the runner image is pinned')
  t.equal(y.services.runner.environment.DOCKER_HOST, 'tcp://dind:2376', 'the runner reaches the dind service by name, on the TLS port')
  t.equal(y.services.runner.environment.DOCKER_CERT_PATH, '/certs/client', 'with the client certificates the entrypoint writes')
  t.ok(y.services.runner.volumes.includes('certs:/certs:ro') && y.services.dind.volumes.includes('certs:/certs'), 'shared through one volume')
})

t.test('Woodpecker: our image is a privileged service the step reaches by name', async (t) => {
  const y = yamlOf('examples/woodpecker.yaml')
  const [service] = y.services
  t.equal(service.image, OURS, 'services[0].image')
  t.equal(service.privileged, true)
  t.equal(service.environment.DOCKER_TLS_CERTDIR, '')
  t.equal(y.steps[0].environment.DOCKER_HOST, `tcp://${service.name}:2375`, 'the step names the service')
})

t.test('Jenkins Kubernetes agent: our image is the privileged dind sidecar; the steps\' container uses localhost', async (t) => {
  const y = yamlOf('examples/jenkins-kubernetes-agent.yaml')
  t.equal(y.kind, 'Pod')
  const dind = y.spec.containers.find((c: { name: string }) => c.name === 'dind')
  const docker = y.spec.containers.find((c: { name: string }) => c.name === 'docker')
  t.equal(dind.image, OURS, 'spec.containers[dind].image')
  t.equal(dind.securityContext.privileged, true)
  t.equal(envValue(dind.env, 'DOCKER_TLS_CERTDIR'), '')
  t.equal(envValue(docker.env, 'DOCKER_HOST'), 'tcp://localhost:2375')
  t.match(read('examples/jenkins-kubernetes-agent.yaml'), /defaultContainer 'docker'/, 'the Jenkinsfile runs steps in the docker container')
})

t.test('Buildkite agent-stack-k8s: our image is the step\'s privileged sidecar', async (t) => {
  const y = yamlOf('examples/buildkite-agent-stack-k8s.yaml')
  const k8s = y.steps[0].plugins[0].kubernetes
  t.equal(k8s.sidecars[0].image, OURS, 'steps[0].plugins[0].kubernetes.sidecars[0].image')
  t.equal(k8s.sidecars[0].securityContext.privileged, true)
  t.equal(envValue(k8s.sidecars[0].env, 'DOCKER_TLS_CERTDIR'), '')
  t.equal(envValue(k8s.podSpec.containers[0].env, 'DOCKER_HOST'), 'tcp://localhost:2375')
  t.match(y.steps[0].command, /for i in \$\(seq 1 30\)/, 'the command waits for dockerd, bounded')
})

t.test('the README lists every example', async (t) => {
  const readme = read('README.md')
  for (const f of EXAMPLES) t.ok(readme.includes(`](${f})`), `README links ${f}`)
})

t.test('Kubernetes: the dind sidecar is privileged and shares its socket', async (t) => {
  const text = read('examples/kubernetes-dind-sidecar.yaml')
  t.match(text, /privileged: true/)
  t.match(text, /DOCKER_HOST\n\s+value: unix:\/\/\/run\/dind\/docker\.sock/, 'a unix:// DOCKER_HOST, which the entrypoint listens on')
  t.equal(text.match(/mountPath: \/run\/dind/g)?.length, 2, 'both containers mount the socket directory')
})
