/** The `docker-daemon:` transport: images in a Docker daemon, over the Engine API (read and write). */
import { SkiffError } from '../../errors.js'
import type { ImageTransport } from '../types.js'
import { parseDockerDaemonReference, TRANSPORT_NAME, type DockerDaemonReference } from './reference.js'

export interface DockerDaemonTransport extends ImageTransport {
  parseReference(details: string): DockerDaemonReference
}

export const dockerDaemonTransport: DockerDaemonTransport = {
  name: TRANSPORT_NAME,
  parseReference(details: string): DockerDaemonReference {
    return parseDockerDaemonReference(dockerDaemonTransport, details)
  },
  validatePolicyScope(scope: string): void {
    // As containers/image: image IDs cannot be namespaced, so only the transport-wide default applies.
    if (scope === '') return
    throw new SkiffError(
      'ERR_POLICY_INVALID',
      `invalid policy scope "${scope}" for docker-daemon: it does not support any scopes except the default "" one`,
    )
  },
}

export { DockerDaemonReference } from './reference.js'
