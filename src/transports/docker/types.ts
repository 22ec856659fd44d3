/**
 * What the docker transport's source, destination, delete and endpoint resolution need of a
 * reference. DockerImageReference (reference.ts) implements it and loads those modules lazily; they
 * import this type, not the class, so no module cycle forms.
 */
import type { DockerReference } from '../../reference/docker-reference.js'
import type { ImageReference } from '../types.js'

export interface DockerRef extends ImageReference {
  /** Tagged or digested (never both, never name-only unless unknownDigest). */
  readonly ref: DockerReference
  /** `@@unknown-digest@@`: a destination pushed by the manifest's digest, without a tag. */
  readonly unknownDigest: boolean
  dockerReference(): DockerReference
}
