/**
 * sigstoreSigned (containers/image policy_eval_sigstore.go) with public keys: `keyPath`,
 * `keyPaths`, `keyData` or `keyDatas` (PEM; ECDSA, RSA or Ed25519), and every signedIdentity
 * matcher. One signature of the sigstore signature MIME type that verifies with one of the keys,
 * claims the image's manifest digest and an accepted identity is enough. Fulcio, PKI and Rekor
 * requirements need certificate-transparency and CA checks skiff does not make: they are refused
 * with a message saying so, never accepted.
 */
import { readFile } from 'node:fs/promises'
import type { KeyObject } from 'node:crypto'
import type { PolicyRequirement } from '../../config/policy-types.js'
import { digestOf, parseDigest } from '../../digest/digest.js'
import { isSchema1Type } from '../../manifest/media-types.js'
import { resolveMediaType, schema1Payload } from '../../manifest/parse.js'
import { SigstoreKeyError, parseSigstorePublicKey } from '../../signature/sigstore/keys.js'
import { verifySigstorePayload } from '../../signature/sigstore/verify.js'
import {
  SIGSTORE_SIGNATURE_ANNOTATION,
  SIGSTORE_SIGNATURE_MIME_TYPE,
  type Signature,
  type SigstoreSignature,
} from '../../signature/types.js'
import { matchesDockerReference } from '../identity.js'
import type { PolicyImage } from '../types.js'
import { PolicyRequirementError, type RequirementEvaluator, type SignatureAcceptance } from './types.js'

type SigstoreSigned = Extract<PolicyRequirement, { type: 'sigstoreSigned' }>

/** Whether `manifest` has `digest` (manifest.MatchesDigest: schema1 without its JWS signatures). */
function manifestMatchesDigest(manifest: Buffer, mediaType: string, digest: string): boolean {
  let algorithm: string
  try {
    algorithm = parseDigest(digest).algorithm
  } catch {
    return false
  }
  const bytes = isSchema1Type(resolveMediaType(manifest, mediaType || undefined)) ? schema1Payload(manifest) : manifest
  return digestOf(bytes, algorithm) === digest
}

/** The PEM texts the requirement names (loadBytesFromConfigSources). */
async function publicKeyPems(req: SigstoreSigned): Promise<Buffer[]> {
  const read = async (path: string): Promise<Buffer> => {
    try {
      return await readFile(path)
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code
      throw new Error(`open ${path}: ${code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`, {
        cause: e,
      })
    }
  }
  if (req.keyPath) return [await read(req.keyPath)]
  if (req.keyPaths) return Promise.all(req.keyPaths.map(read))
  if (req.keyData !== undefined) return [Buffer.from(req.keyData, 'base64')]
  if (req.keyDatas) return req.keyDatas.map((d) => Buffer.from(d, 'base64'))
  return []
}

/** What the requirement uses that skiff cannot check honestly here, if anything. */
function unsupportedTrustRoot(req: SigstoreSigned): string | undefined {
  if (req.fulcio) return 'fulcio'
  if (req.pki) return 'pki'
  if (
    req.rekorPublicKeyPath ||
    req.rekorPublicKeyPaths ||
    req.rekorPublicKeyData !== undefined ||
    req.rekorPublicKeyDatas
  )
    return 'rekorPublicKey…'
  return undefined
}

export function sigstoreSignedEvaluator(req: SigstoreSigned): RequirementEvaluator {
  let keys: Promise<KeyObject[]> | undefined
  const trustRoot = (): Promise<KeyObject[]> => {
    keys ??= (async () => {
      const what = unsupportedTrustRoot(req)
      if (what)
        throw new PolicyRequirementError(
          `sigstoreSigned with ${what} is not supported by this version of skiff: verifying Fulcio certificates and Rekor entries is not implemented; use a requirement with keyPath, keyPaths, keyData or keyDatas`,
        )
      const pems = await publicKeyPems(req)
      if (pems.length === 0) throw new Error('Internal inconsistency: A public key, Fulcio, or PKI must be specified.')
      return pems.map((pem, i) => {
        try {
          return parseSigstorePublicKey(pem)
        } catch (e) {
          if (e instanceof SigstoreKeyError) throw new Error(`parsing public key ${i + 1}: ${e.message}`, { cause: e })
          throw e
        }
      })
    })()
    return keys
  }

  const accept = async (image: PolicyImage, sig: SigstoreSignature): Promise<SignatureAcceptance> => {
    try {
      const publicKeys = await trustRoot()
      const b64 = sig.annotations[SIGSTORE_SIGNATURE_ANNOTATION]
      if (b64 === undefined) throw new Error(`missing ${SIGSTORE_SIGNATURE_ANNOTATION} annotation`)
      const { bytes, mediaType } = await image.manifest()
      const payload = verifySigstorePayload(publicKeys, sig.payload, b64, {
        validateManifestDigest: (d) => {
          if (!manifestMatchesDigest(bytes, mediaType, d))
            throw new PolicyRequirementError(`Signature for digest ${d} does not match`)
        },
        validateDockerReference: (ref) => {
          if (!matchesDockerReference(req.signedIdentity, image.reference, ref))
            throw new PolicyRequirementError(`Signature for identity ${JSON.stringify(ref)} is not accepted`)
        },
      })
      return {
        result: 'accepted',
        signature: { dockerManifestDigest: payload.dockerManifestDigest, dockerReference: payload.dockerReference },
      }
    } catch (e) {
      return { result: 'rejected', error: e instanceof Error ? e : new Error(String(e)) }
    }
  }

  return {
    isSignatureAuthorAccepted: async (image: PolicyImage, sig: Signature): Promise<SignatureAcceptance> =>
      sig.format === 'sigstore-json'
        ? accept(image, sig)
        : { result: 'rejected', error: new Error('isSignatureAuthorAccepted is not implemented for sigstore') },

    // prSigstoreSigned.isRunningImageAllowed: one accepted signature is enough
    isRunningImageAllowed: async (image: PolicyImage): Promise<void> => {
      const rejections: Error[] = []
      let nonSigstore = 0
      let nonAttachments = 0
      for (const sig of await image.signatures()) {
        if (sig.format !== 'sigstore-json') {
          nonSigstore++
          continue
        }
        if (sig.mimeType !== SIGSTORE_SIGNATURE_MIME_TYPE) {
          nonAttachments++
          continue
        }
        const r = await accept(image, sig)
        if (r.result === 'accepted') return
        if (r.result === 'rejected') rejections.push(r.error)
      }
      if (rejections.length === 1) throw rejections[0]!
      if (rejections.length > 1)
        throw new PolicyRequirementError(
          `None of the signatures were accepted, reasons: ${rejections.map((e) => e.message).join('; ')}`,
        )
      throw new PolicyRequirementError(
        nonSigstore === 0 && nonAttachments === 0
          ? 'A signature was required, but no signature exists'
          : `A signature was required, but no signature exists (${nonSigstore} non-sigstore signatures, ${nonAttachments} sigstore non-signature attachments)`,
      )
    },
  }
}
