/**
 * Destination names, as skopeo sync builds them: DESTINATION joined with a suffix taken from the
 * source (docker: the full reference, `host/ns/app:tag`; dir: the image folder below the source
 * folder; oci: the ref name), reduced to its last path element unless --scoped, then
 * --append-suffix appended to the whole string. Skiff's `--dest oci` writes one layout at
 * DESTINATION with the suffix as the image's ref name.
 *
 * Skiff's additions: the list and registry-storage sources keep the repository path (no registry
 * host) instead of the last element, and `--dest registry-storage` names every image by the
 * repository path without a host (docker: `kubesphere/app:v1`, docker.io's `library/` dropped as
 * the list source writes it; dir: the folder path below SOURCE; oci: the ref name). The rules of
 * each `--dest` kind live in its module in sources/ (SyncDestination); this file is generic.
 */
import { posix } from 'node:path'
import { SYNC_DESTINATIONS } from './sources/index.js'
import type { ImageReference } from '../transports/types.js'
import type { SuffixPair } from './sources/types.js'
import type { SyncDestSpec } from './types.js'

export type { SuffixPair }

/** Go's path.Base: last element, trailing slashes removed; "" → ".", all slashes → "/". */
export function goPathBase(p: string): string {
  if (p === '') return '.'
  const t = p.replace(/\/+$/, '')
  if (t === '') return '/'
  return t.slice(t.lastIndexOf('/') + 1)
}

/** The suffix for one item: --scoped → the full source path; else the kept path (registry-storage destination) or skopeo's last element. */
export function chooseSuffix(s: SuffixPair, scoped: boolean, keepPath = false): string {
  if (scoped) return s.scoped
  if (keepPath) return s.path ?? s.unscoped ?? goPathBase(s.scoped)
  return s.unscoped ?? goPathBase(s.scoped)
}

/** Whether `--dest KIND` keeps the source's repository path without --scoped (a store is a registry: paths matter). */
export function destKeepsPath(dest: SyncDestSpec): boolean {
  return SYNC_DESTINATIONS[dest.kind].keepsPath
}

/** Go's path.Join(dest, suffix) (cleaned; empty elements ignored). */
export function joinDest(dest: string, suffix: string): string {
  const parts = [dest, suffix].filter((p) => p !== '')
  return parts.length ? posix.join(...parts) : ''
}

/** The destination image for `suffix` (already scoped or not), with --append-suffix; named by the `--dest` kind (sources/). */
export function destinationReference(
  dest: SyncDestSpec,
  suffix: string,
  appendSuffix = '',
): { ref: ImageReference; label: string } {
  const label = posix.normalize(suffix.replace(/^\/+/, '') || '.') + appendSuffix
  const joined = joinDest(dest.target, suffix) + appendSuffix
  return {
    ref: SYNC_DESTINATIONS[dest.kind].reference({ target: dest.target, suffix, appendSuffix, joined, label }),
    label,
  }
}
