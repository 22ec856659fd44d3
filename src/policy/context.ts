/**
 * Evaluating the trust policy (containers-policy.json(5)) for a source image: the requirements of
 * the image's most specific scope, each of which must pass. Signature verification is not
 * implemented yet: signedBy / sigstoreSigned requirements deny with a clear message, never
 * silently accept. Reading and parsing the file is config/policy.ts.
 */
import { type MessageWithOptions, PolicyDeniedError, opt, withOptions } from '../errors.js'
import { defaultPolicyPath, loadPolicyFile } from '../config/policy.js'
import type { Policy, PolicyRequirement } from '../config/policy-types.js'
import { getTransport } from '../transports/registry.js'
import type { ImageReference, ImageSource } from '../transports/types.js'
import type { PolicyContext } from './types.js'

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

function denied(ref: ImageReference, message: string | MessageWithOptions): PolicyDeniedError {
  return new PolicyDeniedError(withOptions`Source image rejected: ${message}`, { image: ref.toString() })
}

async function checkRequirement(req: PolicyRequirement, ref: ImageReference, source: ImageSource): Promise<void> {
  switch (req.type) {
    case 'insecureAcceptAnything':
      return
    case 'reject':
      throw denied(ref, `Running image ${ref.toString()} is rejected by policy.`)
    case 'signedBy':
    case 'sigstoreSigned': {
      const signatures = await source.getSignatures()
      if (signatures.length === 0) throw denied(ref, 'A signature was required, but no signature exists')
      throw denied(
        ref,
        withOptions`the policy requires a ${req.type} signature for ${ref.toString()}, and signature verification is not supported by this version of skiff yet; use a policy without ${req.type} for this image's scope, or ${opt('insecure', { value: true })}`,
      )
    }
    case 'signedBaseLayer':
      throw denied(ref, 'signedBaseLayer not implemented yet!')
  }
}

class FilePolicyContext implements PolicyContext {
  constructor(readonly policy: Policy) {}

  async checkSource(ref: ImageReference, source: ImageSource): Promise<void> {
    const reqs = requirementsFor(this.policy, ref)
    // Every requirement must pass; the first that fails decides the error (containers/image order).
    for (const req of reqs) await checkRequirement(req, ref, source)
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
