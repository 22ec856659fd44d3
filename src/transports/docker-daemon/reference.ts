/**
 * `docker-daemon:NAME:TAG` / `docker-daemon:NAME@DIGEST` (a Docker reference that must carry a tag
 * or a digest) or `docker-daemon:sha256:ID` (an image ID = config digest; read only), parsed as
 * containers/image's daemon transport does. Policy: only the transport-wide "" scope applies.
 */
import { InvalidReferenceError, SkiffError } from '../../errors.js'
import { parseDigest, type Digest } from '../../digest/digest.js'
import { parseNormalizedReference, type DockerReference } from '../../reference/docker-reference.js'
import type { ImageDestination, ImageSource, ImageTransport, TransportOptions } from '../types.js'
import type { DaemonRef } from './types.js'

export const TRANSPORT_NAME = 'docker-daemon'

const DIGEST_SHAPE = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/

/** The image ID, when `s` is a well-formed digest of an algorithm go-digest knows (else undefined). */
function asDigest(s: string, image: string): Digest | undefined {
  if (!DIGEST_SHAPE.test(s)) return undefined
  const alg = s.slice(0, s.indexOf(':'))
  let ok: boolean
  try {
    parseDigest(s)
    ok = true
  } catch {
    // sha384 is valid in go-digest but not hashed here; its shape is enough to refuse it below.
    ok = alg === 'sha384' && /^[a-f0-9]{96}$/.test(s.slice(alg.length + 1))
  }
  if (!ok) return undefined
  if (alg !== 'sha256')
    throw new InvalidReferenceError(
      `invalid reference "${image}": only digest algorithm sha256 is accepted for image IDs`,
      { image },
    )
  return s
}

export class DockerDaemonReference implements DaemonRef {
  /** Exactly one of `id` and `ref` is set. */
  constructor(
    readonly transport: ImageTransport,
    readonly id: Digest | undefined,
    /** Tagged or digested (never both, never name-only). */
    readonly ref: DockerReference | undefined,
  ) {}

  stringWithinTransport(): string {
    return this.id ?? this.ref!.familiarString()
  }

  toString(): string {
    return `${TRANSPORT_NAME}:${this.stringWithinTransport()}`
  }

  dockerReference(): DockerReference | undefined {
    return this.ref
  }

  /** As containers/image: image IDs cannot be namespaced, so only the default "" scope applies. */
  policyConfigurationIdentity(): string {
    return ''
  }

  policyConfigurationNamespaces(): string[] {
    return []
  }

  async newImageSource(opts: TransportOptions = {}): Promise<ImageSource> {
    const { openDaemonSource } = await import('./source.js')
    return openDaemonSource(this, opts)
  }

  async newImageDestination(opts: TransportOptions = {}): Promise<ImageDestination> {
    const { openDaemonDestination } = await import('./destination.js')
    return openDaemonDestination(this, opts)
  }

  async deleteImage(): Promise<void> {
    throw new SkiffError(
      'ERR_UNSUPPORTED',
      `${this.toString()}: deleting images is not implemented for docker-daemon:; use "docker rmi" instead`,
      { image: this.toString() },
    )
  }
}

export function parseDockerDaemonReference(transport: ImageTransport, details: string): DockerDaemonReference {
  const image = `${TRANSPORT_NAME}:${details}`
  if (details === '')
    throw new InvalidReferenceError(
      `invalid reference "${image}": expected docker-daemon:NAME:TAG, docker-daemon:NAME@DIGEST or docker-daemon:sha256:IMAGE-ID`,
      { image },
    )
  const id = asDigest(details, image)
  if (id !== undefined) return new DockerDaemonReference(transport, id, undefined)
  let ref: DockerReference
  try {
    ref = parseNormalizedReference(details)
  } catch (e) {
    throw new InvalidReferenceError(
      `invalid reference "${image}": ${(e as Error).message.replace(/^invalid reference "[^"]*": /, '')}`,
      { image, cause: e },
    )
  }
  if (ref.familiarName() === 'sha256') {
    throw new InvalidReferenceError(
      `invalid reference "${image}": the sha256 repository name is reserved for (non-shortened) image IDs; use docker-daemon:sha256:<64 hex digits>`,
      { image },
    )
  }
  if (ref.isNameOnly()) {
    throw new InvalidReferenceError(
      `invalid reference "${image}": ${ref.familiarString()} has neither a tag nor a digest; use docker-daemon:${ref.familiarString()}:latest`,
      { image },
    )
  }
  if (ref.tag !== undefined && ref.digest !== undefined) {
    throw new InvalidReferenceError(
      `invalid reference "${image}": references with both a tag and a digest are not supported by docker-daemon:`,
      { image },
    )
  }
  return new DockerDaemonReference(transport, undefined, ref)
}
