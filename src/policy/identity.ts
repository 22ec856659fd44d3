/**
 * signedIdentity matchers (containers/image policy_reference_match.go): whether the identity a
 * signature claims (`docker-reference`, or sigstore's `docker-reference`) is acceptable for the
 * image being used. Shared by every signature-based requirement. A matcher that needs the image's
 * own name is false for a source without one (dir:, oci: without a name), as in containers/image.
 */
import type { SignedIdentity } from '../config/policy-types.js'
import { type DockerReference, parseNormalizedReference } from '../reference/docker-reference.js'
import type { ImageReference } from '../transports/types.js'

function parse(s: string): DockerReference | undefined {
  try {
    return parseNormalizedReference(s)
  } catch {
    return undefined
  }
}

/** Go's reference.ParseNamed: only the canonical form (`docker.io/library/x:1`, not `x:1`). */
function parseCanonical(s: string): DockerReference | undefined {
  const r = parse(s)
  return r && r.toString() === s ? r : undefined
}

/** matchRepoDigestOrExact on two references: a tag must match exactly; a digest-only image by repository. */
function repoDigestOrExact(intended: DockerReference, signature: DockerReference): boolean {
  if (signature.isNameOnly()) return false
  if (intended.tag !== undefined) return signature.toString() === intended.toString()
  if (intended.digest !== undefined) return signature.name === intended.name
  return false
}

/** remapIdentity: `ref` with `prefix` replaced by `signedPrefix` when its name is at or below prefix. */
function remap(ref: DockerReference, prefix: string, signedPrefix: string): DockerReference | undefined {
  const name = ref.name
  const matches =
    name.length === prefix.length
      ? name === prefix
      : name.length > prefix.length && name.startsWith(prefix) && name[prefix.length] === '/'
  if (!matches) return ref
  return parseCanonical(ref.toString().replace(prefix, signedPrefix))
}

/** Whether a signature claiming `signed` is acceptable for `image` under `identity`. */
export function matchesDockerReference(identity: SignedIdentity, image: ImageReference, signed: string): boolean {
  const signature = parse(signed)
  if (!signature) return false
  switch (identity.type) {
    case 'exactReference': {
      const intended = parse(identity.dockerReference)
      if (!intended || intended.isNameOnly() || signature.isNameOnly()) return false
      return signature.toString() === intended.toString()
    }
    case 'exactRepository': {
      const intended = parse(identity.dockerRepository)
      return intended !== undefined && signature.name === intended.name
    }
    default:
      break
  }
  const intended = image.dockerReference()
  if (!intended) return false
  switch (identity.type) {
    case 'matchExact':
      if (intended.isNameOnly() || signature.isNameOnly()) return false
      return signature.toString() === intended.toString()
    case 'matchRepoDigestOrExact':
      return repoDigestOrExact(intended, signature)
    case 'matchRepository':
      return signature.name === intended.name
    case 'remapIdentity': {
      const remapped = remap(intended, identity.prefix, identity.signedPrefix)
      return remapped !== undefined && repoDigestOrExact(remapped, signature)
    }
  }
}
