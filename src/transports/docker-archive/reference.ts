/**
 * `docker-archive:PATH[:DOCKER-REFERENCE]` or `docker-archive:PATH:@N`, as containers-transports(5):
 * PATH ends at the first ':'; the reference is normalized and gets `:latest` when untagged; digests
 * are refused; @N (0-based) picks the N-th image of a multi-image archive when reading.
 */
import { InvalidReferenceError, SkiffError } from '../../errors.js'
import { parseNormalizedReference, type DockerReference } from '../../reference/docker-reference.js'
import type { ImageDestination, ImageSource, ImageTransport, TransportOptions } from '../types.js'
import type { ArchiveRef } from './types.js'
import { openArchiveDestination } from './destination.js'
import { openArchiveSource } from './source.js'

export const TRANSPORT_NAME = 'docker-archive'

export class DockerArchiveReference implements ArchiveRef {
  constructor(
    readonly transport: ImageTransport,
    readonly path: string,
    /** Tagged (never a digest); undefined when not given. */
    readonly ref: DockerReference | undefined,
    /** -1 when not chosen by position. */
    readonly sourceIndex: number,
  ) {}

  stringWithinTransport(): string {
    if (this.ref) return `${this.path}:${this.ref.toString()}`
    if (this.sourceIndex >= 0) return `${this.path}:@${this.sourceIndex}`
    return this.path
  }

  toString(): string {
    return `${TRANSPORT_NAME}:${this.stringWithinTransport()}`
  }

  /** The archive itself, without an image selection (for messages about the whole file). */
  archiveName(): string {
    return `${TRANSPORT_NAME}:${this.path}`
  }

  dockerReference(): DockerReference | undefined {
    return this.ref
  }

  /** Like containers/image: docker-archive has no policy identity beyond the transport default. */
  policyConfigurationIdentity(): string {
    return ''
  }

  policyConfigurationNamespaces(): string[] {
    return []
  }

  newImageSource(opts: TransportOptions = {}): Promise<ImageSource> {
    return openArchiveSource(this, opts)
  }

  newImageDestination(opts: TransportOptions = {}): Promise<ImageDestination> {
    return openArchiveDestination(this, opts)
  }

  async deleteImage(): Promise<void> {
    throw new SkiffError(
      'ERR_UNSUPPORTED',
      `${this.toString()}: deleting images from docker archives is not supported; remove the file instead`,
      { image: this.toString() },
    )
  }
}

export function parseDockerArchiveReference(transport: ImageTransport, details: string): DockerArchiveReference {
  const image = `${TRANSPORT_NAME}:${details}`
  if (details === '') {
    throw new InvalidReferenceError(
      `invalid reference "${image}": expected docker-archive:PATH[:NAME[:TAG]] or docker-archive:PATH:@N`,
      { image },
    )
  }
  const colon = details.indexOf(':')
  const path = colon === -1 ? details : details.slice(0, colon)
  if (path === '') throw new InvalidReferenceError(`invalid reference "${image}": the archive path is empty`, { image })
  if (colon === -1) return new DockerArchiveReference(transport, path, undefined, -1)
  const rest = details.slice(colon + 1)
  if (rest.startsWith('@')) {
    if (!/^@\d+$/.test(rest)) {
      throw new InvalidReferenceError(
        `invalid reference "${image}": invalid image index "${rest}"; expected @N with N a non-negative integer`,
        { image },
      )
    }
    const n = Number(rest.slice(1))
    if (!Number.isSafeInteger(n))
      throw new InvalidReferenceError(`invalid reference "${image}": image index "${rest}" is too large`, { image })
    return new DockerArchiveReference(transport, path, undefined, n)
  }
  let ref: DockerReference
  try {
    ref = parseNormalizedReference(rest)
  } catch (e) {
    throw new InvalidReferenceError(`invalid reference "${image}": ${(e as Error).message}`, { image, cause: e })
  }
  if (ref.digest !== undefined) {
    throw new InvalidReferenceError(
      `invalid reference "${image}": docker-archive does not support digest references; use NAME:TAG or @N`,
      { image },
    )
  }
  return new DockerArchiveReference(transport, path, ref.tagNameOnly(), -1)
}
