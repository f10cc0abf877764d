#!/usr/bin/env node
// Entry point: a drop-in for dockerd or the dind image's entrypoint. The logic is in
// src/cli/main.ts (built to dist/ by `npm run build`), run by src/launch/program.ts, which the
// one-file bundle runs too; this file only wires it to the process, and exits only once
// stdout and stderr are flushed (src/launch/exit.ts: a pipe would lose what it had not taken).
import { exitWhenFlushed } from '../dist/launch/exit.js'
import { run } from '../dist/launch/program.js'

await exitWhenFlushed(await run(process.argv.slice(2), process.env))
