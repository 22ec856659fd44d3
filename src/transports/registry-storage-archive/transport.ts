/**
 * `registry-storage-archive:PATH:NAME[:TAG|@DIGEST]` — an image inside a release bundle: a tar
 * (optionally gzip/zstd) of a docker/distribution store (see writer.ts). PATH ends at the first ':'.
 * Read: by offset from the tar (bundle.ts). Write (copy): a new bundle holding that one image.
 */
import { InvalidReferenceError } from '../../errors.js'
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
import { resolveExplicitPath, validateLocalPolicyScope } from '../dir/local-path.js'
import { formatSelector, parseNameAndSelector, storeNamespaces } from '../registry-storage/transport.js'
import type { StorageSelector } from '../registry-storage/types.js'

export const BUNDLE_TRANSPORT = 'registry-storage-archive'

export class BundleReference implements ImageReference {
  readonly transport: ImageTransport = bundleTransport
  readonly resolvedPath: string

  constructor(
    readonly path: string,
    readonly name: string,
    readonly sel: StorageSelector,
  ) {
    this.resolvedPath = resolveExplicitPath(path)
  }

  stringWithinTransport(): string {
    return `${this.path}:${this.name}${formatSelector(this.sel)}`
  }

  toString(): string {
    return `${BUNDLE_TRANSPORT}:${this.stringWithinTransport()}`
  }

  /** undefined, as for registry-storage: (a bundle has no registry host). */
  dockerReference(): undefined {
    return undefined
  }

  policyConfigurationIdentity(): string {
    return `${this.resolvedPath}:${this.name}${formatSelector(this.sel)}`
  }

  policyConfigurationNamespaces(): string[] {
    return storeNamespaces(this.resolvedPath, this.name)
  }

  async newImageSource(opts?: TransportOptions): Promise<ImageSource> {
    const { BundleSource } = await import('./source.js')
    return BundleSource.open(this, this.path, this.name, this.sel, opts?.tmpdir)
  }

  /** The manifest the bundle holds under this name (a read of the tar's index): sync's skip check. */
  storedManifest(opts: TransportOptions | undefined, query: StoredManifestQuery): Promise<StoredManifest | undefined> {
    return localStoredManifest(this, opts, query)
  }

  async newImageDestination(opts?: TransportOptions): Promise<ImageDestination> {
    const { BundleDestination } = await import('./destination.js')
    return BundleDestination.open(this, this.path, this.name, this.sel, opts?.tmpdir)
  }
}

export function bundleRef(path: string, name: string, tagOrDigest: string): BundleReference {
  const sep = tagOrDigest.includes(':') ? '@' : ':'
  const { sel } = parseNameAndSelector(
    `${name}${sep}${tagOrDigest}`,
    `${BUNDLE_TRANSPORT}:${path}:${name}${sep}${tagOrDigest}`,
  )
  return new BundleReference(path, name, sel)
}

export const bundleTransport: ImageTransport = {
  name: BUNDLE_TRANSPORT,
  parseReference(details: string): ImageReference {
    const i = details.indexOf(':')
    if (i <= 0) {
      throw new InvalidReferenceError(
        `invalid image name "${BUNDLE_TRANSPORT}:${details}": expected ${BUNDLE_TRANSPORT}:PATH:NAME[:TAG|@DIGEST] (e.g. ${BUNDLE_TRANSPORT}:release.tar:library/app:v1)`,
      )
    }
    const { name, sel } = parseNameAndSelector(details.slice(i + 1), `${BUNDLE_TRANSPORT}:${details}`)
    return new BundleReference(details.slice(0, i), name, sel)
  },
  validatePolicyScope(scope: string): void {
    const i = scope.indexOf(':')
    validateLocalPolicyScope(BUNDLE_TRANSPORT, i < 0 ? scope : scope.slice(0, i))
    if (i < 0) return
    try {
      parseNameAndSelector(scope.slice(i + 1), `${BUNDLE_TRANSPORT}:${scope}`)
    } catch (e) {
      throw new InvalidReferenceError(
        `invalid policy scope "${scope}" for transport ${BUNDLE_TRANSPORT}: ${(e as Error).message}`,
      )
    }
  },
}
