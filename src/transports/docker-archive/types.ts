/**
 * What the docker-archive source and destination need of a reference. DockerArchiveReference
 * (reference.ts) implements it; they import this type, not the class, so no module cycle forms.
 */
import type { DockerReference } from '../../reference/docker-reference.js'
import type { ImageReference } from '../types.js'

export interface ArchiveRef extends ImageReference {
  readonly path: string
  /** Tagged (never a digest); undefined when not given. */
  readonly ref: DockerReference | undefined
  /** -1 when not chosen by position. */
  readonly sourceIndex: number
  /** The archive itself, without an image selection (for messages about the whole file). */
  archiveName(): string
}
