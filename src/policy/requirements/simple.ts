/** insecureAcceptAnything, reject and signedBaseLayer (containers/image policy_eval_simple.go, _baselayer.go). */
import type { RequirementEvaluator } from './types.js'
import { PolicyRequirementError } from './types.js'

export const insecureAcceptAnything: RequirementEvaluator = {
  isSignatureAuthorAccepted: async () => ({ result: 'unknown' }),
  isRunningImageAllowed: async () => {},
}

export const reject: RequirementEvaluator = {
  isSignatureAuthorAccepted: async (image) => ({
    result: 'rejected',
    error: new PolicyRequirementError(`Any signatures for image ${image.reference.toString()} are rejected by policy.`),
  }),
  isRunningImageAllowed: async (image) => {
    throw new PolicyRequirementError(`Running image ${image.reference.toString()} is rejected by policy.`)
  },
}

export const signedBaseLayer: RequirementEvaluator = {
  isSignatureAuthorAccepted: async () => ({ result: 'unknown' }),
  isRunningImageAllowed: async () => {
    throw new PolicyRequirementError('signedBaseLayer not implemented yet!')
  },
}
