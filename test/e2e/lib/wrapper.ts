/**
 * The product as the e2e tests run it: bin/dockerd-autonet.js of this checkout (which loads
 * dist/, so `npm run build` first), started with the node running the tests.
 */
import { fileURLToPath } from 'node:url'

/** Path of bin/dockerd-autonet.js, resolved relative to this file (not the working directory). */
export const BIN = fileURLToPath(new URL('../../../bin/dockerd-autonet.js', import.meta.url))

/** The wrapper as a command, e.g. for startDockerd({ command: WRAPPER }). */
export const WRAPPER: string[] = [process.execPath, BIN]
