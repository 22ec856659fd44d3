/**
 * `docker://REFERENCE`: an image in a registry. Parsing and policy scopes as containers/image's
 * docker transport: `:latest` is added when neither tag nor digest is given; a tag together with a
 * digest is refused; `docker://host/repo@@unknown-digest@@` names a push by digest only.
 */
import { InvalidReferenceError } from '../../errors.js'
import { DockerReference, parseNormalizedReference } from '../../reference/docker-reference.js'
import type { Digest } from '../../digest/digest.js'
import type {
  AttachedCopyOptions,
  AttachedCopyResult,
  ImageDestination,
  ImageReference,
  ImageSource,
  ImageTransport,
  StoredManifest,
  StoredManifestQuery,
  TransportOptions,
} from '../types.js'
import type { DockerRef } from './types.js'
// The HTTP client (undici and the registry code) loads only when a registry is actually used, so
// `skiff copy oci:… dir:…` and `inspect` of local images do not pay for it at start-up.

export const UNKNOWN_DIGEST_SUFFIX = '@@unknown-digest@@'

/** `name:tag` or `name@digest` (containers/image policyconfiguration.DockerReferenceIdentity). */
export function dockerReferenceIdentity(ref: DockerReference): string {
  if (ref.tag !== undefined && ref.digest !== undefined)
    throw new InvalidReferenceError(`unexpected Docker reference ${ref.familiarString()} with both a name and a digest`)
  if (ref.tag !== undefined) return `${ref.name}:${ref.tag}`
  if (ref.digest !== undefined) return `${ref.name}@${ref.digest}`
  throw new InvalidReferenceError(
    `internal inconsistency: Docker reference ${ref.familiarString()} with neither a tag nor a digest`,
  )
}

/**
 * The repository, its parent namespaces, the host (with port), then `*.domain` wildcards
 * (containers/image policyconfiguration.DockerReferenceNamespaces).
 */
export function dockerReferenceNamespaces(ref: DockerReference): string[] {
  const res: string[] = []
  let name = ref.name
  for (;;) {
    res.push(name)
    const i = name.lastIndexOf('/')
    if (i === -1) break
    name = name.slice(0, i)
  }
  const colon = name.indexOf(':')
  if (colon !== -1) name = name.slice(0, colon)
  for (;;) {
    const dot = name.indexOf('.')
    if (dot === -1) break
    name = name.slice(dot + 1)
    res.push(`*.${name}`)
  }
  return res
}

export class DockerImageReference implements DockerRef {
  constructor(
    readonly transport: ImageTransport,
    /** Tagged or digested (never both, never name-only unless unknownDigest). */
    readonly ref: DockerReference,
    /** `@@unknown-digest@@`: a destination pushed by the manifest's digest, without a tag. */
    readonly unknownDigest = false,
  ) {}

  stringWithinTransport(): string {
    return `//${this.ref.familiarString()}${this.unknownDigest ? UNKNOWN_DIGEST_SUFFIX : ''}`
  }

  toString(): string {
    return `docker:${this.stringWithinTransport()}`
  }

  dockerReference(): DockerReference {
    return this.ref
  }

  policyConfigurationIdentity(): string {
    return this.unknownDigest ? this.ref.name : dockerReferenceIdentity(this.ref)
  }

  policyConfigurationNamespaces(): string[] {
    const ns = dockerReferenceNamespaces(this.ref)
    return this.unknownDigest && ns[0] === this.ref.name ? ns.slice(1) : ns
  }

  async newImageSource(opts?: TransportOptions): Promise<ImageSource> {
    const { DockerImageSource } = await import('./source.js')
    return DockerImageSource.open(this, opts)
  }

  async newImageDestination(opts?: TransportOptions): Promise<ImageDestination> {
    const { DockerImageDestination } = await import('./destination.js')
    return DockerImageDestination.open(this, opts)
  }

  async deleteImage(opts?: TransportOptions): Promise<void> {
    const { deleteDockerImage } = await import('./delete.js')
    return deleteDockerImage(this, opts)
  }

  /** A HEAD of the manifest (never a GET, which counts as a pull): see stored-manifest.ts. */
  async storedManifest(
    opts: TransportOptions | undefined,
    query: StoredManifestQuery,
  ): Promise<StoredManifest | undefined> {
    const { dockerStoredManifest } = await import('./stored-manifest.js')
    return dockerStoredManifest(this, opts, query)
  }

  /** OCI referrers and cosign digest tags, to another docker:// reference: see attached.ts. */
  async copyAttached(
    dest: ImageReference,
    digests: readonly Digest[],
    opts: AttachedCopyOptions,
  ): Promise<AttachedCopyResult> {
    if (dest.transport !== this.transport)
      throw new InvalidReferenceError(
        `copying referrers and digest tags needs a docker:// destination, not ${dest.toString()}`,
      )
    const { copyAttached } = await import('./attached.js')
    return copyAttached(this, dest as DockerImageReference, digests, opts)
  }
}

/** Parses what follows `docker:` (`//busybox`, `//quay.io/x/y:1`, `//host/r@sha256:…`). */
export function parseDockerDetails(transport: ImageTransport, details: string): DockerImageReference {
  if (!details.startsWith('//')) {
    throw new InvalidReferenceError(
      `docker: image reference "${details}" does not start with "//" (write docker://${details.replace(/^\/*/, '')})`,
    )
  }
  let rest = details.slice(2)
  if (rest.endsWith(UNKNOWN_DIGEST_SUFFIX)) {
    rest = rest.slice(0, -UNKNOWN_DIGEST_SUFFIX.length)
    const named = parseNormalizedReference(rest)
    if (!named.isNameOnly())
      throw new InvalidReferenceError(
        `docker://${details}: a reference with ${UNKNOWN_DIGEST_SUFFIX} must not have a tag or digest`,
      )
    return new DockerImageReference(transport, named, true)
  }
  const ref = parseNormalizedReference(rest)
  if (ref.tag !== undefined && ref.digest !== undefined) {
    throw new InvalidReferenceError(
      `docker://${rest}: references with both a tag and a digest are not supported; use either :${ref.tag} or @${ref.digest}`,
    )
  }
  return new DockerImageReference(transport, ref.tagNameOnly())
}
