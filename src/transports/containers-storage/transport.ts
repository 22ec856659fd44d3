/**
 * `containers-storage:` — podman's, buildah's and CRI-O's image store (containers/storage), read and
 * written through containers/storage's own program (cli.ts says why). Parsing is pure: it reads
 * storage.conf for the default store, never the store itself.
 */
import { InvalidReferenceError } from '../../errors.js'
import { isValidDigest } from '../../digest/digest.js'
import { isAbsolute } from 'node:path'
import type { ImageReference, ImageTransport } from '../types.js'
import { parseImagePart, TRANSPORT_NAME } from './reference.js'
import { parseStoreSpec } from './store-spec.js'

const FULL_ID = /^[a-f0-9]{64}$/

function scopeError(scope: string, why: string): InvalidReferenceError {
  return new InvalidReferenceError(`invalid policy scope "${scope}" for ${TRANSPORT_NAME}: ${why}`)
}

export const containersStorageTransport: ImageTransport = {
  name: TRANSPORT_NAME,
  parseReference(details: string): ImageReference {
    const { store, rest } = parseStoreSpec(details)
    return parseImagePart(containersStorageTransport, store, details, rest)
  },
  /** containers/image's ValidatePolicyConfigurationScope: `[GRAPHROOT]` or `[DRIVER@GRAPHROOT]`, then an optional name. */
  validatePolicyScope(scope: string): void {
    if (!scope.startsWith('[')) throw scopeError(scope, 'invalid reference')
    const close = scope.indexOf(']')
    if (close < 1) throw scopeError(scope, 'invalid reference')
    const spec = scope.slice(1, close)
    const rest = scope.slice(close + 1)
    const at = spec.indexOf('@')
    const root = at === -1 ? spec : spec.slice(at + 1)
    if ((at === -1 && spec === '') || (at !== -1 && (at === 0 || root === '')))
      throw scopeError(scope, 'invalid reference')
    if (!isAbsolute(root)) throw scopeError(scope, 'path name is not absolute')
    if (rest === '') return
    const fields = rest.split('@')
    if (fields.length === 2) {
      if (!FULL_ID.test(fields[1]!) && !isValidDigest(fields[1]!))
        throw scopeError(scope, `${fields[1]} is neither a valid digest nor a valid ID`)
    } else if (fields.length >= 3) {
      if (!isValidDigest(fields[1]!)) throw scopeError(scope, `invalid digest ${fields[1]}`)
      if (!FULL_ID.test(fields.slice(2).join('@'))) throw scopeError(scope, `invalid ID ${fields.slice(2).join('@')}`)
    }
  },
}
