/**
 * sigstoreSigned (containers/image policy_eval_sigstore.go). Not verified by this version yet:
 * refuses with a clear message, never accepts. (The sigstore work replaces this file.)
 */
import { opt, withOptions } from '../../errors.js'
import type { PolicyRequirement } from '../../config/policy-types.js'
import { requireAcceptedSignature } from './signatures.js'
import { PolicyRequirementError, type RequirementEvaluator } from './types.js'

export function sigstoreSignedEvaluator(
  _req: Extract<PolicyRequirement, { type: 'sigstoreSigned' }>,
): RequirementEvaluator {
  const evaluator: RequirementEvaluator = {
    isSignatureAuthorAccepted: async (image) => ({
      result: 'rejected',
      error: new PolicyRequirementError(
        withOptions`the policy requires a sigstoreSigned signature for ${image.reference.toString()}, and signature verification is not supported by this version of skiff yet; use a policy without sigstoreSigned for this image's scope, or ${opt('insecure', { value: true })}`,
      ),
    }),
    isRunningImageAllowed: (image) => requireAcceptedSignature(evaluator, image, 'sigstore-json'),
  }
  return evaluator
}
