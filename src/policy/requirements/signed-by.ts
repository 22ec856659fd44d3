/** signedBy (containers/image policy_eval_signedby.go). */
import { opt, withOptions } from '../../errors.js'
import type { PolicyRequirement } from '../../config/policy-types.js'
import { requireAcceptedSignature } from './signatures.js'
import { PolicyRequirementError, type RequirementEvaluator } from './types.js'

export function signedByEvaluator(_req: Extract<PolicyRequirement, { type: 'signedBy' }>): RequirementEvaluator {
  const evaluator: RequirementEvaluator = {
    isSignatureAuthorAccepted: async (image) => ({
      result: 'rejected',
      error: new PolicyRequirementError(
        withOptions`the policy requires a signedBy signature for ${image.reference.toString()}, and signature verification is not supported by this version of skiff yet; use a policy without signedBy for this image's scope, or ${opt('insecure', { value: true })}`,
      ),
    }),
    isRunningImageAllowed: (image) => requireAcceptedSignature(evaluator, image, 'simple-signing'),
  }
  return evaluator
}
