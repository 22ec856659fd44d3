/**
 * The trust policy (containers-policy.json(5)): loading policy.json from --policy, the user's
 * $HOME/.config/containers/policy.json or /etc/containers/policy.json, and evaluating it for a
 * source image. Signature verification is not implemented yet: signedBy / sigstoreSigned
 * requirements deny with a clear message, never silently accept.
 */
import { readFile, stat } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { type MessageWithOptions, PolicyDeniedError, SkiffError, opt, withOptions } from '../errors.js'
import { getTransport } from '../transports/registry.js'
import type { ImageReference, ImageSource } from '../transports/types.js'
import { parsePolicy } from './policy-parse.js'
import { PolicyFormatError } from './policy-json.js'
import type { Policy, PolicyContext, PolicyRequirement } from './policy-types.js'

export const SYSTEM_POLICY_PATH = '/etc/containers/policy.json'

const HINT = withOptions`create one (see containers-policy.json(5)), point to one with ${opt('policyPath')}, or pass ${opt('insecure', { value: true })}`

/** The policy file used without --policy: the user's, when it exists, else the system's. */
export async function defaultPolicyPath(home = process.env.HOME || homedir()): Promise<string> {
  const user = join(home, '.config', 'containers', 'policy.json')
  try {
    await stat(user)
    return user
  } catch {
    return SYSTEM_POLICY_PATH
  }
}

/** Reads and parses a policy file; errors are one line, name the file and say what to do. */
export async function loadPolicy(path: string): Promise<Policy> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (e) {
    const err = e as NodeJS.ErrnoException
    const why = err.code === 'ENOENT' ? 'no such file or directory' : err.code === 'EACCES' ? 'permission denied' : err.code === 'EISDIR' ? 'is a directory' : err.message
    throw new SkiffError('ERR_POLICY_INVALID', withOptions`Error loading trust policy: open ${path}: ${why}; ${HINT}`, { cause: e })
  }
  try {
    return parsePolicy(text, getTransport)
  } catch (e) {
    if (e instanceof PolicyFormatError) {
      throw new SkiffError('ERR_POLICY_INVALID', `Error loading trust policy: invalid policy in ${JSON.stringify(path)}: ${e.message}`, { cause: e })
    }
    throw e
  }
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
export async function loadPolicyContext(opts: { policyPath?: string; insecure?: boolean } = {}): Promise<PolicyContext> {
  if (opts.insecure) return insecureAcceptAnythingPolicy()
  const path = opts.policyPath || (await defaultPolicyPath())
  return new FilePolicyContext(await loadPolicy(path))
}
