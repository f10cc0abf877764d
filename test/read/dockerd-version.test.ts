import t from 'tap'
import { chmodSync } from 'node:fs'
import { join } from 'node:path'
import { parseDockerdVersion, readDockerdVersion } from '../../src/read/dockerd-version.js'
import { execFileRunner } from '../../src/tools/runner.js'
import { ok, replayRunner } from '../helpers/fake-machine.js'

t.test('parseDockerdVersion', async (t) => {
  t.equal(parseDockerdVersion('Docker version 20.10.24+dfsg1, build 5d6db84\n'), '20.10.24', 'Debian package (recorded here)')
  t.equal(parseDockerdVersion('Docker version 27.3.1, build ce12230'), '27.3.1')
  t.equal(parseDockerdVersion('Docker version 28.0.0-rc.1, build 1234567'), '28.0.0')
  t.equal(parseDockerdVersion('Docker version 17.03.2-ce, build f5ec1e2'), '17.03.2', 'digits as printed')
  t.equal(parseDockerdVersion('Docker version dev, build unknown'), null)
  t.equal(parseDockerdVersion(''), null)
})

t.test('readDockerdVersion runs the program', async (t) => {
  const dir = t.testdir({
    'dockerd-ok': '#!/bin/sh\n[ "$1" = --version ] && echo "Docker version 27.3.1, build ce12230"\n',
    'dockerd-fails': '#!/bin/sh\necho "Docker version 27.3.1, build ce12230"\nexit 1\n',
    'dockerd-hangs': '#!/bin/sh\nexec sleep 10\n',
    'dockerd-garbage': '#!/bin/sh\necho hello\n',
  })
  for (const f of ['dockerd-ok', 'dockerd-fails', 'dockerd-hangs', 'dockerd-garbage']) chmodSync(join(dir, f), 0o755)
  t.equal(await readDockerdVersion(join(dir, 'dockerd-ok')), '27.3.1')
  t.equal(await readDockerdVersion(join(dir, 'dockerd-fails')), null, 'non-zero exit')
  t.equal(await readDockerdVersion(join(dir, 'dockerd-garbage')), null, 'no version in the output')
  t.equal(await readDockerdVersion(join(dir, 'no-such-dockerd')), null, 'missing program')
  const started = Date.now()
  t.equal(await readDockerdVersion(join(dir, 'dockerd-hangs'), 300), null, 'timed out')
  t.ok(Date.now() - started < 5000, 'did not wait for the hung program')
  // The start path hands its read-phase runner (60 s here, 10 s there) down: the 2 s limit of
  // the version probe still holds (it did not, when a given runner replaced the timeout).
  const given = Date.now()
  t.equal(await readDockerdVersion(join(dir, 'dockerd-hangs'), 300, execFileRunner(60_000)), null, 'timed out with a given runner')
  t.ok(Date.now() - given < 5000, `a given runner keeps the probe's limit (${Date.now() - given} ms)`)
})

t.test('readDockerdVersion with an injected runner', async (t) => {
  const run = replayRunner({ 'dockerd --version': ok('Docker version 20.10.24+dfsg1, build 5d6db84\n') })
  t.equal(await readDockerdVersion('dockerd', 2000, run), '20.10.24')
  t.same(run.calls, ['dockerd --version'])
})
