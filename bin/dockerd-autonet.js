#!/usr/bin/env node
// Entry point: a drop-in for dockerd or the dind image's entrypoint. The logic is in
// src/cli/main.ts (built to dist/ by `npm run build`); this file only wires it to the process.
import { main } from '../dist/cli/main.js'

try {
  process.exit(await main(process.argv.slice(2), process.env))
} catch (err) {
  process.stderr.write(`dockerd-autonet: error: ${err instanceof Error ? err.stack : String(err)}\n`)
  process.exit(70)
}
