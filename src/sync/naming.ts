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
 * the list source writes it; dir: the folder path below SOURCE; oci: the ref name).
 */
import { posix } from 'node:path'
import { InvalidReferenceError } from '../errors.js'
import { dirTransport } from '../transports/dir/transport.js'
import { dockerTransport } from '../transports/docker/transport.js'
import { OciLayoutReference } from '../transports/oci-layout/transport.js'
import { isValidRefName } from '../transports/oci-layout/layout.js'
import type { ImageReference } from '../transports/types.js'
import { RegistryStorageReference, parseNameAndSelector } from '../transports/registry-storage/transport.js'
import type { SyncDestSpec } from './types.js'

/** Go's path.Base: last element, trailing slashes removed; "" → ".", all slashes → "/". */
export function goPathBase(p: string): string {
  if (p === '') return '.'
  const t = p.replace(/\/+$/, '')
  if (t === '') return '/'
  return t.slice(t.lastIndexOf('/') + 1)
}

/** The suffix a source item contributes: scoped (full) and unscoped (default: its last element). */
export interface SuffixPair {
  scoped: string
  /** Defaults to goPathBase(scoped). The image-list and registry-storage sources keep the repository path. */
  unscoped?: string
  /**
   * The repository path without a registry host, plus `:tag` / `@digest` (`kubesphere/app:v1`): what
   * a destination that keeps paths (registry-storage) is named by without --scoped. Defaults to `unscoped`.
   */
  path?: string
}

/** The suffix for one item: --scoped → the full source path; else the kept path (registry-storage destination) or skopeo's last element. */
export function chooseSuffix(s: SuffixPair, scoped: boolean, keepPath = false): string {
  if (scoped) return s.scoped
  if (keepPath) return s.path ?? s.unscoped ?? goPathBase(s.scoped)
  return s.unscoped ?? goPathBase(s.scoped)
}

/** Whether `--dest KIND` keeps the source's repository path without --scoped (a store is a registry: paths matter). */
export function destKeepsPath(dest: SyncDestSpec): boolean {
  return dest.kind === 'registry-storage'
}

/** Go's path.Join(dest, suffix) (cleaned; empty elements ignored). */
export function joinDest(dest: string, suffix: string): string {
  const parts = [dest, suffix].filter((p) => p !== '')
  return parts.length ? posix.join(...parts) : ''
}

/** The destination image for `suffix` (already scoped or not), with --append-suffix. */
export function destinationReference(dest: SyncDestSpec, suffix: string, appendSuffix = ''): { ref: ImageReference; label: string } {
  const label = posix.normalize(suffix.replace(/^\/+/, '') || '.') + appendSuffix
  switch (dest.kind) {
    case 'docker': {
      const name = joinDest(dest.target, suffix) + appendSuffix
      try {
        return { ref: dockerTransport.parseReference(`//${name}`), label }
      } catch (e) {
        throw new InvalidReferenceError(`cannot name the destination docker://${name} (DESTINATION ${dest.target} + ${suffix}${appendSuffix}): ${(e as Error).message}`, { cause: e })
      }
    }
    case 'dir':
      return { ref: dirTransport.parseReference(joinDest(dest.target, suffix) + appendSuffix), label }
    case 'oci': {
      if (!isValidRefName(label)) {
        throw new InvalidReferenceError(`cannot name the image "${label}" in the OCI layout ${dest.target}: not a valid ref name (letters, digits and . _ - : @ + between them, components separated by /)`)
      }
      return { ref: new OciLayoutReference(dest.target, { refName: label, sourceIndex: -1 }), label }
    }
    case 'registry-storage': {
      // ROOT is the store; the suffix is the repository path (no registry host) and :tag / @digest
      if (dest.target === '' || dest.target.includes(':')) {
        throw new InvalidReferenceError(`invalid registry-storage DESTINATION "${dest.target}": the registry's rootdirectory (a path without ':') is required`)
      }
      const what = `registry-storage:${dest.target}:${label}`
      try {
        const { name, sel } = parseNameAndSelector(label, what)
        return { ref: new RegistryStorageReference(dest.target, name, sel), label }
      } catch (e) {
        throw new InvalidReferenceError(`cannot name the destination ${what} (DESTINATION ${dest.target} + ${suffix}${appendSuffix}): ${(e as Error).message}`, { cause: e })
      }
    }
  }
}
