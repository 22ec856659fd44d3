/**
 * Verifying a signature of a manifest file against an expected identity and key fingerprints
 * (skopeo standalone-verify; containers/image VerifyImageManifestSignatureUsingKeyIdentityList),
 * and reading a signature without verifying it (untrusted-signature-dump-without-verification).
 */
import { manifestDigest } from '../manifest/parse.js'
import { parseNormalizedReference } from '../reference/docker-reference.js'
import { InvalidSignatureError } from './errors.js'
import type { Keyring } from './openpgp.js'
import { untrustedContents } from './openpgp.js'
import { parsePayload } from './payload.js'
import { type VerifiedSignature, verifyAndExtractSignature } from './verify.js'

function digestOfManifest(manifest: Buffer): string | undefined {
  try {
    return manifestDigest(manifest)
  } catch {
    return undefined
  }
}

/** Go's %v of a []string: [A B]. */
const goList = (xs: string[]): string => `[${xs.join(' ')}]`

export async function verifyManifestSignature(
  signature: Uint8Array,
  manifest: Buffer,
  expectedDockerReference: string,
  keyring: Keyring,
  expectedFingerprints: string[],
): Promise<VerifiedSignature> {
  const expected = parseNormalizedReference(expectedDockerReference)
  return verifyAndExtractSignature(keyring, signature, {
    validateKeyIdentity: (fpr) => {
      if (!expectedFingerprints.includes(fpr))
        throw new InvalidSignatureError(
          expectedFingerprints.length === 1
            ? `Signature by ${fpr} does not match expected fingerprint ${expectedFingerprints[0]}`
            : `Signature by ${fpr} does not match expected fingerprints ${goList(expectedFingerprints)}`,
        )
    },
    validateSignedDockerReference: (signed) => {
      let ref
      try {
        ref = parseNormalizedReference(signed)
      } catch {
        throw new InvalidSignatureError(`Invalid docker reference ${signed} in signature`)
      }
      if (ref.toString() !== expected.toString())
        throw new InvalidSignatureError(`Docker reference ${signed} does not match ${expectedDockerReference}`)
    },
    validateSignedDockerManifestDigest: (digest) => {
      if (digestOfManifest(manifest) !== digest)
        throw new InvalidSignatureError(`Signature for docker digest ${JSON.stringify(digest)} does not match`)
    },
  })
}

/** containers/image UntrustedSignatureInformation. */
export interface UntrustedSignatureInformation {
  untrustedDockerManifestDigest: string
  untrustedDockerReference: string
  untrustedCreatorID?: string
  /** Seconds since the epoch. */
  untrustedTimestamp?: number
  untrustedShortKeyIdentifier: string
}

export async function untrustedSignatureInformation(signature: Uint8Array): Promise<UntrustedSignatureInformation> {
  const { contents, shortKeyIdentifier } = await untrustedContents(signature)
  const p = parsePayload(contents)
  return {
    untrustedDockerManifestDigest: p.dockerManifestDigest,
    untrustedDockerReference: p.dockerReference,
    ...(p.creatorID !== undefined ? { untrustedCreatorID: p.creatorID } : {}),
    ...(p.timestamp !== undefined ? { untrustedTimestamp: p.timestamp } : {}),
    untrustedShortKeyIdentifier: shortKeyIdentifier,
  }
}
