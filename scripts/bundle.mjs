#!/usr/bin/env node
// One-file build for places where node_modules is unwelcome (the dind images copy this single
// file; nothing is npm-installed there), over the tsc output in dist/ (run `npm run build`
// first; `npm run bundle` does). Usage: node scripts/bundle.mjs [OUTFILE]
// (default dist/dockerd-autonet.mjs)
//
// Two steps, so that the program can start from a V8 code cache (src/launch/code-cache.ts):
// 1. the program, dist/launch/program.js (what the npm bin runs), as CommonJS text in memory,
//    import.meta replaced by the parameter the entry passes its own in with;
// 2. the entry, dist/launch/bundle-entry.js, as ESM into OUTFILE, with the program's sha256
//    written in (the cache's key, computed here so that nothing hashes at start), and the
//    program appended as a trailing comment (src/launch/embedded-program.ts says why and how).
//    Then one dry run of OUTFILE writes OUTFILE.v8cache beside it.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { appendFileSync, chmodSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { codeCachePath, PROGRAM_PARAMS } from '../dist/launch/code-cache.js'
import { embedProgram } from '../dist/launch/embedded-program.js'

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

const common = { absWorkingDir: root, bundle: true, platform: 'node', target: 'node20', logLevel: 'warning' }

// Step 1. import() stays for node builtins in CommonJS output, and a vm.Script has no loader
// for it (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING): 'dynamic-import': false makes it require().
const program = await build({
  ...common,
  entryPoints: ['dist/launch/program.js'],
  outfile,
  write: false,
  format: 'cjs',
  supported: { 'dynamic-import': false },
  define: { 'import.meta': PROGRAM_PARAMS[3] },
  plugins: [inlineVersion],
  legalComments: 'eof',
  metafile: true,
})
const programSource = program.outputFiles.find((f) => f.path === outfile).text
if (/\bimport\s*\(|\bimport\.meta\b/.test(programSource.replace(/\/\*![\s\S]*?\*\//g, ''))) {
  throw new Error('bundle.mjs: the CommonJS program still has import() or import.meta, which a vm.Script cannot run')
}

// Step 2.
await build({
  ...common,
  entryPoints: ['dist/launch/bundle-entry.js'],
  outfile,
  format: 'esm',
  define: {
    __PROGRAM_SHA256__: JSON.stringify(createHash('sha256').update(programSource).digest('hex')),
  },
})
// esbuild's output is ASCII (its default charset); embedProgram refuses a program that is not.
try {
  appendFileSync(outfile, embedProgram(programSource))
} catch (err) {
  throw new Error(`bundle.mjs: ${outfile}: ${err.message}`)
}
// The images and the install tree run it as an executable (esbuild keeps the entry's shebang).
chmodSync(outfile, 0o755)

// The bundle carries copies of MIT/ISC packages, whose licenses ask for their notices to travel
// with every copy: the images ship this file beside the bundle.
const packages = new Set()
for (const input of Object.keys(program.metafile.inputs)) {
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

// Warm the cache with this machine's Node (the images warm their own: another Node's V8 would
// reject it). A dry run reads the machine and prints a plan, never applies or starts anything
// (src/cli/main.ts, runWithPlan); the fixes are switched off all the same, and the version is
// given so that no dockerd is asked. A failed warm-up leaves no cache, not a failed build:
// the bundle compiles from source then.
const cache = codeCachePath(outfile)
rmSync(cache, { force: true })
try {
  execFileSync(process.execPath, [outfile, '--autonet-dry-run', '--autonet-dockerd-version=28.5.2'], {
    stdio: 'ignore', timeout: 60_000,
    env: { ...process.env, DOCKERD_AUTONET_NO_CLAMP_MSS: '1', DOCKERD_AUTONET_NO_CONNTRACK: '1', DOCKERD_AUTONET_NO_BRIDGE_MAC: '1' },
  })
} catch (err) {
  process.stderr.write(`bundle.mjs: warming ${basename(cache)} failed (${err.message}); the bundle runs without it\n`)
}
