/** Recorded Engine API answers (test/fixtures/dockerd). */
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const DIR = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/dockerd')

/** `docker inspect` of a container publishing 5514->514/udp on all addresses, and 8080->80/tcp. */
export function inspectSyslog(): any {
  return JSON.parse(readFileSync(join(DIR, 'inspect-syslog.json'), 'utf8'))
}
