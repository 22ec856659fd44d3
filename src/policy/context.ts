/**
 * Evaluating the trust policy (containers-policy.json(5)) for an image: the requirements of the
 * image's most specific scope, each of which must pass (requirements/: one evaluator per type).
 * Reading and parsing the file is config/policy.ts.
 */
import { PolicyDeniedError, withOptions } from '../errors.js'
import { defaultPolicyPath, loadPolicyFile } from '../config/policy.js'
import type { Policy, PolicyRequirement } from '../config/policy-types.js'
import { getTransport } from '../transports/registry.js'
import type { ImageReference, ImageSource } from '../transports/types.js'
import { PolicyRequirementError } from './requirements/types.js'
import type { PolicyContext, PolicyImage } from './types.js'
import { UnparsedImage } from './unparsed-image.js'

/** Reads and parses a policy file, validating the scopes of every registered transport. */
export async function loadPolicy(path: string): Promise<Policy> {
  return loadPolicyFile(path, getTransport)
}

/** The requirements that apply to `ref`: its most specific scope, the transport's "", or the default. */
export function requirementsFor(policy: Policy, ref: ImageReference): PolicyRequirement[] {
  const scopes = policy.transports.get(ref.transport.name)
  if (scopes) {
    const identity = scopes.get(ref.policyConfigurationIdentity())
    if (identity) return identity
    for (const ns of ref.policyConfigurationNamespaces()) {
      const r = scopes.get(ns)
      if (r) return r
    }
    const transportDefault = scopes.get('')
    if (transportDefault) return transportDefault
  }
  return policy.default
}

/** `Source image rejected: <reason>` (containers/image copy's wrapping), naming the image. */
function denied(ref: ImageReference, e: unknown): PolicyDeniedError {
  const detail = e instanceof PolicyRequirementError ? e.detail : e instanceof Error ? e.message : String(e)
  return new PolicyDeniedError(withOptions`Source image rejected: ${detail}`, { image: ref.toString(), cause: e })
}

class FilePolicyContext implements PolicyContext {
  constructor(readonly policy: Policy) {}

  async isRunningImageAllowed(image: PolicyImage): Promise<void> {
    const reqs = requirementsFor(this.policy, image.reference)
    if (reqs.length === 0)
      throw denied(
        image.reference,
        new PolicyRequirementError('List of verification policy requirements must not be empty'),
      )
    // the evaluators (and signature verification behind them) load with the first check
    const { evaluatorFor } = await import('./requirements/index.js')
    // Every requirement must pass; the first that fails decides the error (containers/image order).
    for (const req of reqs) {
      try {
        await evaluatorFor(req).isRunningImageAllowed(image)
      } catch (e) {
        if (e instanceof PolicyDeniedError) throw e
        throw denied(image.reference, e)
      }
    }
  }

  checkSource(ref: ImageReference, source: ImageSource): Promise<void> {
    return this.isRunningImageAllowed(new UnparsedImage(source, { reference: ref }))
  }

  acceptsAnything(ref: ImageReference): boolean {
    const reqs = requirementsFor(this.policy, ref)
    return reqs.length > 0 && reqs.every((r) => r.type === 'insecureAcceptAnything')
  }
}

/** --insecure-policy: accept everything. */
export function insecureAcceptAnythingPolicy(): PolicyContext {
  return new FilePolicyContext({ default: [{ type: 'insecureAcceptAnything' }], transports: new Map() })
}

/** The policy context for a copy/sync: --insecure-policy, --policy PATH, or the default file. */
export async function loadPolicyContext(
  opts: { policyPath?: string; insecure?: boolean } = {},
): Promise<PolicyContext> {
  if (opts.insecure) return insecureAcceptAnythingPolicy()
  const path = opts.policyPath || (await defaultPolicyPath())
  return new FilePolicyContext(await loadPolicy(path))
}
