/** The `docker` transport: images in a registry, reached through the Registry HTTP API v2. */
import type { ImageReference, ImageTransport } from '../types.js'
import { parseDockerDetails } from './reference.js'

export const dockerTransport: ImageTransport = {
  name: 'docker',
  parseReference(details: string): ImageReference {
    return parseDockerDetails(dockerTransport, details)
  },
  /** As containers/image: any string is a valid docker policy scope (names are matched as given). */
  validatePolicyScope(_scope: string): void {},
}
