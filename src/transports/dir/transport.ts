/**
 * `dir:PATH` — skopeo's directory layout: manifest.json, blobs named by digest, signatures, version.
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
import { DirImageDestination } from './destination.js'
import { parentNamespaces, resolveExplicitPath, validateLocalPolicyScope } from './local-path.js'
import { DirImageSource } from './source.js'

export class DirReference implements ImageReference {
  readonly transport: ImageTransport = dirTransport
  /** The absolute, cleaned path with existing symlinks resolved. */
  readonly resolvedPath: string

  constructor(readonly path: string) {
    this.resolvedPath = resolveExplicitPath(path)
  }

  stringWithinTransport(): string {
    return this.path
  }

  toString(): string {
    return `dir:${this.path}`
  }

  dockerReference(): undefined {
    return undefined
  }

  policyConfigurationIdentity(): string {
    return this.resolvedPath
  }

  policyConfigurationNamespaces(): string[] {
    return parentNamespaces(this.resolvedPath)
  }

  newImageSource(_opts?: TransportOptions): Promise<ImageSource> {
    return DirImageSource.open(this, this.resolvedPath)
  }

  newImageDestination(_opts?: TransportOptions): Promise<ImageDestination> {
    return DirImageDestination.open(this, this.resolvedPath)
  }

  /** A file read: the manifest stored under this name (with `complete`, every blob checked). */
  storedManifest(opts: TransportOptions | undefined, query: StoredManifestQuery): Promise<StoredManifest | undefined> {
    return localStoredManifest(this, opts, query)
  }
}

export const dirTransport: ImageTransport = {
  name: 'dir',
  parseReference(details: string): ImageReference {
    if (details === '')
      throw new InvalidReferenceError('invalid image name "dir:": a directory path is required, e.g. dir:./image')
    return new DirReference(details)
  },
  validatePolicyScope(scope: string): void {
    validateLocalPolicyScope('dir', scope)
  },
}
