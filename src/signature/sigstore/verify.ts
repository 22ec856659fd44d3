/**
 * Verifying a sigstore payload (containers/image's VerifySigstorePayload): the base64 signature
 * must verify with one of the public keys, then the payload is parsed strictly and its claims are
 * checked by the caller's rules (manifest digest, then identity). Nothing of the payload is
 * looked at before the signature over it verified.
 */
import type { KeyObject } from 'node:crypto'
import { verifyMessage } from './crypto.js'
import { parseSigstorePayload, type SigstorePayload } from './payload.js'
import { InvalidSignatureError } from '../errors.js'

export interface SigstorePayloadRules {
  /** Throws when the signed manifest digest is not the image's. */
  validateManifestDigest(digest: string): void
  /** Throws when the signed identity is not accepted. */
  validateDockerReference(reference: string): void
}

/** base64.StdEncoding.DecodeString: padded standard alphabet, \r and \n ignored. */
function decodeBase64(s: string): Buffer {
  const clean = s.replace(/[\r\n]/g, '')
  const bad = clean.search(/[^A-Za-z0-9+/=]/)
  const pad = clean.indexOf('=')
  if (bad >= 0 || clean.length % 4 !== 0 || (pad >= 0 && pad < clean.length - 2) || /=[^=]/.test(clean)) {
    const at = bad >= 0 ? bad : pad >= 0 ? pad : clean.length - (clean.length % 4)
    throw new InvalidSignatureError(`base64 decoding: illegal base64 data at input byte ${at}`)
  }
  return Buffer.from(clean, 'base64')
}

export function verifySigstorePayload(
  publicKeys: readonly KeyObject[],
  unverifiedPayload: Uint8Array,
  unverifiedBase64Signature: string,
  rules: SigstorePayloadRules,
): SigstorePayload {
  if (publicKeys.length === 0) throw new Error('Need at least one public key to verify the sigstore payload, but got 0')
  const signature = decodeBase64(unverifiedBase64Signature)
  const failures: string[] = []
  let verified = false
  for (const key of publicKeys) {
    try {
      verifyMessage(key, unverifiedPayload, signature)
      verified = true
      break
    } catch (e) {
      failures.push((e as Error).message)
    }
  }
  if (!verified) throw new InvalidSignatureError(`cryptographic signature verification failed: ${failures.join(', ')}`)
  const payload = parseSigstorePayload(unverifiedPayload)
  rules.validateManifestDigest(payload.dockerManifestDigest)
  rules.validateDockerReference(payload.dockerReference)
  return payload
}
