/** The trust-policy contract the copy engine relies on (implementation: policy/context.ts). */
import type { Digest } from '../digest/digest.js'
import type { Signature } from '../signature/types.js'
import type { ImageReference, ImageSource } from '../transports/types.js'

/**
 * One image as the policy sees it (containers/image's UnparsedImage): a single manifest — the top
 * level, or one instance of a list — and the signatures stored for it. Both are read once and
 * cached (policy/unparsed-image.ts), so the engine copies the signatures the policy looked at.
 */
export interface PolicyImage {
  /** The source's name (for identity checks: `reference.dockerReference()`; for messages: toString). */
  readonly reference: ImageReference
  /** The list instance this image is, by digest; undefined for the top level. */
  readonly instance?: Digest
  /** The manifest bytes as stored (for a list's instance: that instance's), and their media type. */
  manifest(): Promise<{ bytes: Buffer; mediaType: string }>
  /** The signatures stored for this manifest (UNTRUSTED), every format. */
  signatures(): Promise<Signature[]>
}

export interface PolicyContext {
  /**
   * Resolves when the policy allows using `image`: every requirement of the image's most specific
   * scope passes. Rejects with PolicyDeniedError (code ERR_POLICY_DENIED, message
   * `Source image rejected: …` as skopeo's) when one does not, or when a requirement cannot be
   * checked by this version of skiff (never silently accepts).
   */
  isRunningImageAllowed(image: PolicyImage): Promise<void>
  /** isRunningImageAllowed for the top-level image of `source` (named by `ref`). */
  checkSource(ref: ImageReference, source: ImageSource): Promise<void>
  /**
   * True when every requirement for `ref` is insecureAcceptAnything, so no check can refuse it
   * (fast paths that copy without opening the image may then skip the check). Optional: without
   * it, every image is checked.
   */
  acceptsAnything?(ref: ImageReference): boolean
}
