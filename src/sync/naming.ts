/**
 * Destination names, as skopeo sync builds them: DESTINATION joined with a suffix taken from the
 * source (docker: the full reference, `host/ns/app:tag`; dir: the image folder below the source
 * folder; oci: the ref name), reduced to its last path element unless --scoped, then
 * --append-suffix appended to the whole string. Skiff's `--dest oci` writes one layout at
 * DESTINATION with the suffix as the image's ref name.
 */
import { posix } from 'node:path'
import { InvalidReferenceError } from '../errors.js'
import { dirTransport } from '../transports/dir/transport.js'
import { dockerTransport } from '../transports/docker/transport.js'
import { OciLayoutReference } from '../transports/oci-layout/transport.js'
import { isValidRefName } from '../transports/oci-layout/layout.js'
import type { ImageReference } from '../transports/types.js'
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
  /** Defaults to goPathBase(scoped). The image-list source keeps the repository path as written. */
  unscoped?: string
}

export function chooseSuffix(s: SuffixPair, scoped: boolean): string {
  return scoped ? s.scoped : (s.unscoped ?? goPathBase(s.scoped))
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
  }
}
