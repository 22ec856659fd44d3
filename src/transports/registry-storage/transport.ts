/**
 * `registry-storage:ROOT:NAME[:TAG|@DIGEST]` — an image inside docker/distribution's filesystem
 * storage, ROOT being the registry's `rootdirectory` (the folder that holds `docker/registry/v2`).
 * As with oci:, ROOT ends at the first ':'. NAME is a repository path (no registry host); no tag
 * means `latest`.
 */
import { InvalidReferenceError } from '../../errors.js'
import { isValidDigest } from '../../digest/digest.js'
import {
  DEFAULT_TAG,
  NAME_TOTAL_LENGTH_MAX,
  isValidRepositoryPath,
  isValidTag,
} from '../../reference/docker-reference.js'
import type {
  ImageDestination,
  ImageReference,
  ImageSource,
  ImageTransport,
  StoredManifest,
  StoredManifestQuery,
  TransportOptions,
} from '../types.js'
import { localStoredManifest } from '../shared/local-stored-manifest.js'
import { resolveExplicitPath, selfAndParentNamespaces, validateLocalPolicyScope } from '../dir/local-path.js'
import { RegistryStorageSource } from './source.js'
import { RegistryStorageDestination } from './destination.js'
import type { StorageSelector } from './types.js'

const NAME = 'registry-storage'

/** Parses `NAME[:TAG|@DIGEST]`; `what` is the whole input for messages. */
export function parseNameAndSelector(s: string, what: string): { name: string; sel: StorageSelector } {
  let name = s
  let sel: StorageSelector = { tag: DEFAULT_TAG }
  const at = s.indexOf('@')
  if (at >= 0) {
    name = s.slice(0, at)
    const digest = s.slice(at + 1)
    if (!isValidDigest(digest))
      throw new InvalidReferenceError(
        `invalid image name "${what}": "${digest}" is not a valid digest (sha256:<64 lowercase hex>)`,
      )
    if (name.includes(':'))
      throw new InvalidReferenceError(`invalid image name "${what}": use either :TAG or @DIGEST, not both`)
    sel = { digest }
  } else {
    const colon = s.indexOf(':')
    if (colon >= 0) {
      name = s.slice(0, colon)
      const tag = s.slice(colon + 1)
      if (!isValidTag(tag))
        throw new InvalidReferenceError(
          `invalid image name "${what}": invalid tag "${tag}" (letters, digits, '_', '.', '-'; at most 128 characters)`,
        )
      sel = { tag }
    }
  }
  if (name === '')
    throw new InvalidReferenceError(
      `invalid image name "${what}": a repository name is required, e.g. ${NAME}:/srv/registry:library/app:v1`,
    )
  if (!isValidRepositoryPath(name) || name.length > NAME_TOTAL_LENGTH_MAX) {
    throw new InvalidReferenceError(
      `invalid image name "${what}": invalid repository name "${name}" (lowercase letters, digits and separators '.', '_', '__', '-', '/'; no registry host)`,
    )
  }
  return { name, sel }
}

/** `:TAG` or `@DIGEST`, as written after the name. */
export function formatSelector(sel: StorageSelector): string {
  return sel.digest !== undefined ? `@${sel.digest}` : `:${sel.tag}`
}

/** A store's policy namespaces for NAME: `ROOT:NAME`, `ROOT:PARENT`…, then ROOT and its parent folders. */
export function storeNamespaces(resolvedRoot: string, name: string): string[] {
  const out: string[] = []
  const parts = name.split('/')
  for (let n = parts.length; n > 0; n--) out.push(`${resolvedRoot}:${parts.slice(0, n).join('/')}`)
  return [...out, ...selfAndParentNamespaces(resolvedRoot)]
}

export class RegistryStorageReference implements ImageReference {
  readonly transport: ImageTransport = registryStorageTransport
  /** The absolute, cleaned root with existing symlinks resolved (policy identity). */
  readonly resolvedRoot: string

  constructor(
    readonly root: string,
    readonly name: string,
    readonly sel: StorageSelector,
  ) {
    this.resolvedRoot = resolveExplicitPath(root)
  }

  stringWithinTransport(): string {
    return `${this.root}:${this.name}${formatSelector(this.sel)}`
  }

  toString(): string {
    return `${NAME}:${this.stringWithinTransport()}`
  }

  /**
   * undefined, as for oci: and dir:. A store has no registry host; a domain-less reference would be
   * normalized to docker.io/NAME, so policy `docker` scopes and signedBy identities for Docker Hub
   * would match images that merely sit in a local store under the same path.
   */
  dockerReference(): undefined {
    return undefined
  }

  /** `ROOT:NAME:TAG` or `ROOT:NAME@DIGEST`, as docker: includes the tag. */
  policyConfigurationIdentity(): string {
    return `${this.resolvedRoot}:${this.name}${formatSelector(this.sel)}`
  }

  /** `ROOT:NAME`, `ROOT:PARENT`…, then ROOT and its parent folders. */
  policyConfigurationNamespaces(): string[] {
    return storeNamespaces(this.resolvedRoot, this.name)
  }

  newImageSource(_opts?: TransportOptions): Promise<ImageSource> {
    return RegistryStorageSource.open(this, this.resolvedRoot, this.name, this.sel)
  }

  newImageDestination(_opts?: TransportOptions): Promise<ImageDestination> {
    return RegistryStorageDestination.open(this, this.resolvedRoot, this.name, this.sel)
  }

  /** A file read: the manifest stored under this name (with `complete`, every blob checked). */
  storedManifest(opts: TransportOptions | undefined, query: StoredManifestQuery): Promise<StoredManifest | undefined> {
    return localStoredManifest(this, opts, query)
  }
}

/** A reference to NAME:TAG (or NAME@DIGEST when `tagOrDigest` is a digest) in the store at `root`. */
export function registryStorageRef(
  root: string,
  name: string,
  tagOrDigest: string = DEFAULT_TAG,
): RegistryStorageReference {
  if (root === '' || root.includes(':'))
    throw new InvalidReferenceError(`invalid ${NAME} root "${root}": a path without ':' is required`)
  if (name.includes(':') || name.includes('@'))
    throw new InvalidReferenceError(
      `invalid repository name "${name}" for ${NAME}:${root}: it must not hold a tag or digest`,
    )
  // Tags never contain ':'; digests always do.
  const sep = tagOrDigest.includes(':') ? '@' : ':'
  const { sel } = parseNameAndSelector(`${name}${sep}${tagOrDigest}`, `${NAME}:${root}:${name}${sep}${tagOrDigest}`)
  return new RegistryStorageReference(root, name, sel)
}

export const registryStorageTransport: ImageTransport = {
  name: NAME,
  parseReference(details: string): ImageReference {
    const i = details.indexOf(':')
    if (i <= 0) {
      throw new InvalidReferenceError(
        `invalid image name "${NAME}:${details}": expected ${NAME}:ROOT:NAME[:TAG|@DIGEST], ROOT being the registry's rootdirectory (e.g. ${NAME}:/var/lib/registry:library/app:v1)`,
      )
    }
    const { name, sel } = parseNameAndSelector(details.slice(i + 1), `${NAME}:${details}`)
    return new RegistryStorageReference(details.slice(0, i), name, sel)
  },
  /** An absolute canonical path, optionally followed by `:NAME[:TAG|@DIGEST]`. */
  validatePolicyScope(scope: string): void {
    const i = scope.indexOf(':')
    validateLocalPolicyScope(NAME, i < 0 ? scope : scope.slice(0, i))
    if (i < 0) return
    try {
      parseNameAndSelector(scope.slice(i + 1), `${NAME}:${scope}`)
    } catch (e) {
      throw new InvalidReferenceError(`invalid policy scope "${scope}" for transport ${NAME}: ${(e as Error).message}`)
    }
  },
}
