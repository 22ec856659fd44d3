/** PolicyImage over an open ImageSource: the manifest and signatures read once, on first use. */
import type { Digest } from '../digest/digest.js'
import type { Signature } from '../signature/types.js'
import type { ImageReference, ImageSource } from '../transports/types.js'
import type { PolicyImage } from './types.js'

export interface UnparsedImageOptions {
  /** The list instance (by digest); undefined for the top level. */
  instance?: Digest
  /** The manifest bytes already read (and verified) by the caller; else read on first use. */
  manifest?: { bytes: Buffer; mediaType: string }
  /** The image's name, when not the source's own reference. */
  reference?: ImageReference
}

export class UnparsedImage implements PolicyImage {
  private manifestP: Promise<{ bytes: Buffer; mediaType: string }> | undefined
  private signaturesP: Promise<Signature[]> | undefined
  readonly reference: ImageReference
  readonly instance?: Digest

  constructor(
    private readonly source: ImageSource,
    opts: UnparsedImageOptions = {},
  ) {
    this.reference = opts.reference ?? source.reference
    if (opts.instance !== undefined) this.instance = opts.instance
    if (opts.manifest) this.manifestP = Promise.resolve(opts.manifest)
  }

  manifest(): Promise<{ bytes: Buffer; mediaType: string }> {
    this.manifestP ??= this.source.getManifest(this.instance)
    return this.manifestP
  }

  signatures(): Promise<Signature[]> {
    this.signaturesP ??= this.source.getSignatures(this.instance)
    return this.signaturesP
  }
}
