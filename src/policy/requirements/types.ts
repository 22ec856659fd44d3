/**
 * How one policy requirement is evaluated (containers/image's PolicyRequirement): every requirement
 * type has an evaluator (requirements/index.ts); a signature-based one accepts an image when one
 * of its signatures is accepted (requirements/signatures.ts).
 */
import type { Digest } from '../../digest/digest.js'
import type { MessageWithOptions } from '../../errors.js'
import type { Signature } from '../../signature/types.js'
import type { PolicyImage } from '../types.js'

/**
 * A requirement's refusal, with containers/image's message (PolicyRequirementError); the policy
 * context shows it after `Source image rejected: `. Other errors (a key file that cannot be read)
 * are shown the same way, with their own message.
 */
export class PolicyRequirementError extends Error {
  /** The message with the options it mentions (withOptions), for the CLI to show as flags. */
  readonly detail: string | MessageWithOptions
  constructor(message: string | MessageWithOptions) {
    super(String(message))
    this.name = 'PolicyRequirementError'
    this.detail = message
  }
}

/** What an accepted signature claims (containers/image's signature.Signature), now trusted. */
export interface AcceptedSignature {
  dockerManifestDigest: Digest
  dockerReference: string
}

/** containers/image's signatureAcceptanceResult with its values. */
export type SignatureAcceptance =
  | { result: 'accepted'; signature: AcceptedSignature }
  | { result: 'rejected'; error: Error }
  /** The requirement has no opinion on signatures (insecureAcceptAnything). */
  | { result: 'unknown' }

export interface RequirementEvaluator {
  /** Whether `sig` is acceptable for `image` under this requirement. Never throws: errors are 'rejected'. */
  isSignatureAuthorAccepted(image: PolicyImage, sig: Signature): Promise<SignatureAcceptance>
  /** Resolves when the requirement allows `image`; throws (PolicyRequirementError or another Error) when not. */
  isRunningImageAllowed(image: PolicyImage): Promise<void>
}
