/**
 * What the docker-daemon source and destination need of a reference. DockerDaemonReference
 * (reference.ts) implements it and loads them lazily; they import this type, not the class.
 */
import type { Digest } from '../../digest/digest.js'
import type { DockerReference } from '../../reference/docker-reference.js'
import type { ImageReference } from '../types.js'

export interface DaemonRef extends ImageReference {
  /** The image ID (`docker-daemon:sha256:ID`); exactly one of `id` and `ref` is set. */
  readonly id: Digest | undefined
  /** Tagged or digested (never both, never name-only). */
  readonly ref: DockerReference | undefined
}
