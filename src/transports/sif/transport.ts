/**
 * `sif:PATH` — Singularity/Apptainer SIF images, read-only, as containers/image's sif transport:
 * the squashfs root file system is converted to one tar layer with unsquashfs and GNU tar (under
 * fakeroot when not root). Policy identity and scopes are the file's explicit path, as for dir:.
 */
import { InvalidReferenceError, SkiffError } from '../../errors.js'
import type { ImageDestination, ImageReference, ImageSource, ImageTransport, TransportOptions } from '../types.js'
import { parentNamespaces, resolveExplicitPath, validateLocalPolicyScope } from '../dir/local-path.js'

export const TRANSPORT_NAME = 'sif'

export class SifReference implements ImageReference {
  readonly transport: ImageTransport = sifTransport
  /** The absolute, cleaned path with existing symlinks resolved (policy identity). */
  readonly resolvedPath: string

  constructor(readonly path: string) {
    this.resolvedPath = resolveExplicitPath(path)
  }

  stringWithinTransport(): string {
    return this.path
  }

  toString(): string {
    return `${TRANSPORT_NAME}:${this.path}`
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

  async newImageSource(opts: TransportOptions = {}): Promise<ImageSource> {
    // Loaded on use: nothing of the SIF reader or converter is parsed at start-up otherwise.
    const { SifImageSource } = await import('./source.js')
    return SifImageSource.open(this, this.path, opts)
  }

  async newImageDestination(): Promise<ImageDestination> {
    throw new SkiffError(
      'ERR_UNSUPPORTED',
      `${this.toString()}: "sif:" locations can only be read from, not written to`,
      { image: this.toString() },
    )
  }

  async deleteImage(): Promise<void> {
    throw new SkiffError(
      'ERR_UNSUPPORTED',
      `${this.toString()}: deleting images is not supported for sif: images; remove the file instead`,
      { image: this.toString() },
    )
  }
}

export const sifTransport: ImageTransport = {
  name: TRANSPORT_NAME,
  parseReference(details: string): SifReference {
    if (details === '')
      throw new InvalidReferenceError('invalid image name "sif:": a SIF file path is required, e.g. sif:./image.sif')
    return new SifReference(details)
  },
  validatePolicyScope(scope: string): void {
    validateLocalPolicyScope(TRANSPORT_NAME, scope)
  },
}
