#!/usr/bin/env node
// One-file build for places where node_modules is unwelcome (the dind images copy this single
// file; nothing is npm-installed there). Bundles bin/dockerd-autonet.js, so the process wiring
// is the npm bin's own, over the tsc output in dist/ (run `npm run build` first; `npm run
// bundle` does). Usage: node scripts/bundle.mjs [OUTFILE]   (default dist/dockerd-autonet.mjs)
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = fileURLToPath(new URL('..', import.meta.url))
const outfile = resolve(process.argv[2] ?? join(root, 'dist/dockerd-autonet.mjs'))
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))

// dist/cli/main.js reads its version from `../../package.json` next to itself: right for the
// tsc layout, but from a single file anywhere (dist/, /usr/local/lib/…) that path points
// outside the package and `--version` dies with ENOENT. Until main reads it another way, the
// bundle gets the version written in at build time. If main changes, this does nothing and
// test/image/bundle.test.ts tells whether --version still works.
const PACKAGE_JSON_READ = /JSON\.parse\(readFileSync\(new URL\(['"]\.\.\/\.\.\/package\.json['"], import\.meta\.url\), ['"]utf8['"]\)\)/
const inlineVersion = {
  name: 'inline-package-version',
  setup(b) {
    b.onLoad({ filter: /[\\/]dist[\\/]cli[\\/]main\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8')
      return { contents: text.replace(PACKAGE_JSON_READ, JSON.stringify({ version })), loader: 'js' }
    })
  },
}

const result = await build({
  absWorkingDir: root,
  entryPoints: ['bin/dockerd-autonet.js'],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  plugins: [inlineVersion],
  legalComments: 'eof',
  metafile: true,
  logLevel: 'warning',
})

// The bundle carries copies of MIT/ISC packages, whose licenses ask for their notices to travel
// with every copy: the images ship this file beside the bundle.
const packages = new Set()
for (const input of Object.keys(result.metafile.inputs)) {
  const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input)
  if (m) packages.add(join(root, m[1]))
}
const notices = [...packages].sort().map((dir) => {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
  const file = readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f))
  const text = file ? readFileSync(join(dir, file), 'utf8').trim() : `License: ${pkg.license ?? 'see the package'}`
  return `${pkg.name}@${pkg.version} (${pkg.license ?? 'no license field'})\n\n${text}\n`
})
writeFileSync(`${outfile}.LICENSES.txt`,
  `Third-party packages bundled into ${basename(outfile)} (dockerd-autonet ${version}):\n\n` +
  notices.join('\n' + '-'.repeat(72) + '\n\n'))
