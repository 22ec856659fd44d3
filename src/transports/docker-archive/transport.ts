/** The `docker-archive:` transport: `docker save`-formatted tar files (read and write). */
import { SkiffError } from '../../errors.js'
import type { ImageTransport } from '../types.js'
import { parseDockerArchiveReference, TRANSPORT_NAME, type DockerArchiveReference } from './reference.js'

export interface DockerArchiveTransport extends ImageTransport {
  parseReference(details: string): DockerArchiveReference
}

export const dockerArchiveTransport: DockerArchiveTransport = {
  name: TRANSPORT_NAME,
  parseReference(details: string): DockerArchiveReference {
    return parseDockerArchiveReference(dockerArchiveTransport, details)
  },
  validatePolicyScope(scope: string): void {
    // As containers/image: archives have no identity, so only the transport-wide default applies.
    if (scope === '') return
    throw new SkiffError(
      'ERR_POLICY_INVALID',
      `invalid policy scope "${scope}" for docker-archive: it does not support any scopes except the default "" one`,
    )
  },
}

export { DockerArchiveReference } from './reference.js'
export { listArchiveTags } from './list-tags.js'
