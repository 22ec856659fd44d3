/**
 * The evaluator of each requirement type. A new requirement type adds its file here; sigstoreSigned
 * lives in sigstore-signed.ts, signedBy in signed-by.ts.
 */
import type { PolicyRequirement } from '../../config/policy-types.js'
import { signedByEvaluator } from './signed-by.js'
import { insecureAcceptAnything, reject, signedBaseLayer } from './simple.js'
import { sigstoreSignedEvaluator } from './sigstore-signed.js'
import type { RequirementEvaluator } from './types.js'

export function evaluatorFor(req: PolicyRequirement): RequirementEvaluator {
  switch (req.type) {
    case 'insecureAcceptAnything':
      return insecureAcceptAnything
    case 'reject':
      return reject
    case 'signedBy':
      return signedByEvaluator(req)
    case 'sigstoreSigned':
      return sigstoreSignedEvaluator(req)
    case 'signedBaseLayer':
      return signedBaseLayer
  }
}
