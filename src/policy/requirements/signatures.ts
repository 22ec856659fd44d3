/**
 * The rule every signature-based requirement shares (containers/image prSignedBy /
 * prSigstoreSigned.isRunningImageAllowed): one accepted signature of the requirement's format is
 * enough; with none, the message says why — no signature at all, the one rejection, or every
 * rejection joined.
 */
import type { Signature, SignatureFormat } from '../../signature/types.js'
import type { PolicyImage } from '../types.js'
import { PolicyRequirementError, type RequirementEvaluator } from './types.js'

export async function requireAcceptedSignature(
  evaluator: Pick<RequirementEvaluator, 'isSignatureAuthorAccepted'>,
  image: PolicyImage,
  format: SignatureFormat,
): Promise<void> {
  const all = await image.signatures()
  const sigs = all.filter((s: Signature) => s.format === format)
  const rejections: Error[] = []
  for (const sig of sigs) {
    const r = await evaluator.isSignatureAuthorAccepted(image, sig)
    if (r.result === 'accepted') return
    rejections.push(
      r.result === 'rejected'
        ? r.error
        : new Error(`Internal error: Unexpected signature verification result "sarUnknown"`),
    )
  }
  if (rejections.length === 0) throw new PolicyRequirementError('A signature was required, but no signature exists')
  if (rejections.length === 1) throw rejections[0]!
  throw new PolicyRequirementError(
    `None of the signatures were accepted, reasons: ${rejections.map((e) => e.message).join('; ')}`,
  )
}
