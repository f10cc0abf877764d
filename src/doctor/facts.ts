/** Small facts several doctor checks read off a running dockerd and the snapshot. */
import { resolveSettings } from '../dockerd/settings.js'
import type { MachineState } from '../model.js'
import type { RunningDockerd } from './types.js'

/** The bridge a dockerd's default network uses: --bridge/-b, daemon.json "bridge", else docker0. */
export function defaultBridgeOf(d: RunningDockerd): string {
  return resolveSettings(d.argv, d.daemon_json).bridge || 'docker0'
}

/** " (the reader's errors about `field`)", or nothing: for messages that say why a check could not be made. */
export function readErrorsOf(state: MachineState, field: string): string {
  const errs = (state.read_errors ?? []).filter((e) => e.startsWith(`${field}:`))
  return errs.length ? ` (${errs.join('; ')})` : ''
}
