/**
 * Verifying a simple-signing signature and what it claims (containers/image signature/simple.go
 * verifyAndExtractSignature): the OpenPGP signature, then the key, the manifest digest and the
 * identity, each by a rule the caller gives (a policy requirement, standalone-verify).
 */
import { parsePayload } from './payload.js'
import { type Keyring, verifyMessage } from './openpgp.js'

export interface AcceptanceRules {
  /** Throws when the key (its fingerprint) is not acceptable. */
  validateKeyIdentity(fingerprint: string): void
  /** Throws when the signed manifest digest is not the image's. */
  validateSignedDockerManifestDigest(digest: string): void | Promise<void>
  /** Throws when the signed identity is not acceptable. */
  validateSignedDockerReference(reference: string): void
}

export interface VerifiedSignature {
  dockerManifestDigest: string
  dockerReference: string
  /** The fingerprint of the key that signed. */
  keyIdentity: string
}

export async function verifyAndExtractSignature(
  keyring: Keyring,
  unverified: Uint8Array,
  rules: AcceptanceRules,
): Promise<VerifiedSignature> {
  const { contents, keyIdentity } = await verifyMessage(keyring, unverified)
  rules.validateKeyIdentity(keyIdentity)
  const payload = parsePayload(contents)
  await rules.validateSignedDockerManifestDigest(payload.dockerManifestDigest)
  rules.validateSignedDockerReference(payload.dockerReference)
  return { dockerManifestDigest: payload.dockerManifestDigest, dockerReference: payload.dockerReference, keyIdentity }
}
