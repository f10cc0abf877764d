/**
 * What the installed Docker Engine can be told. `--default-network-opt` (and daemon.json
 * "default-network-opts") arrived in Docker Engine 24.0 (docs: dockerd reference, "Default network
 * options"); older engines refuse the unknown flag and do not start, so it is only planned when
 * the version is known to be new enough.
 */

/** [major, minor] of a version string such as "27.3.1" or "20.10.24+dfsg1"; null if unreadable. */
export function parseEngineVersion(version: string | null | undefined): [number, number] | null {
  const m = /^v?(\d+)\.(\d+)/.exec(String(version ?? '').trim())
  return m ? [Number(m[1]), Number(m[2])] : null
}

/** True when the engine accepts --default-network-opt; null when the version is unknown. */
export function supportsDefaultNetworkOpt(version: string | null | undefined): boolean | null {
  const v = parseEngineVersion(version)
  if (!v) return null
  return v[0] >= 24
}
