/** The docker:// transport and the registry operations beyond copy (list-tags, list-repos, delete, untag, login's check). */
export { dockerTransport } from './transport.js'
export { DockerImageReference, dockerReferenceIdentity, dockerReferenceNamespaces } from './reference.js'
export { listRepositories } from './catalog.js'
export { listRepositoryTags } from './tags.js'
export { checkRegistryCredentials } from './check-auth.js'
export { deleteDockerImage, untagDockerImage } from './delete.js'
import { parseDockerDetails } from './reference.js'
import { dockerTransport } from './transport.js'
import { untagDockerImage } from './delete.js'
import type { TransportOptions } from '../types.js'
import type { DockerImageReference } from './reference.js'

/** Removes only a tag (`docker://REPO:TAG` or a parsed reference); see untagDockerImage. */
export function untag(ref: string | DockerImageReference, opts?: TransportOptions): Promise<void> {
  const r =
    typeof ref === 'string'
      ? parseDockerDetails(dockerTransport, ref.startsWith('docker:') ? ref.slice('docker:'.length) : ref)
      : ref
  return untagDockerImage(r, opts)
}
