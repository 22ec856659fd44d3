/**
 * signedBy (containers/image policy_eval_signedby.go): a simple-signing signature by one of the
 * requirement's GPG keys (keyPath, keyPaths or keyData), for this manifest's digest, claiming an
 * identity signedIdentity accepts.
 */
import { readFile } from 'node:fs/promises'
import type { PolicyRequirement } from '../../config/policy-types.js'
import { manifestDigest } from '../../manifest/parse.js'
import { importKeys, type Keyring } from '../../signature/openpgp.js'
import { verifyAndExtractSignature } from '../../signature/verify.js'
import { matchesDockerReference } from '../identity.js'
import type { PolicyImage } from '../types.js'
import { requireAcceptedSignature } from './signatures.js'
import { PolicyRequirementError, type RequirementEvaluator, type SignatureAcceptance } from './types.js'

type SignedBy = Extract<PolicyRequirement, { type: 'signedBy' }>

/** Go's os.ReadFile error text: "open PATH: no such file or directory". */
function readError(path: string, e: unknown): Error {
  const code = (e as NodeJS.ErrnoException).code
  const text: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    EISDIR: 'is a directory',
    ENOTDIR: 'not a directory',
  }
  if (code === 'EISDIR') return new Error(`read ${path}: is a directory`)
  return new Error(`open ${path}: ${(code && text[code]) ?? (e as Error).message}`)
}

async function keyData(req: SignedBy): Promise<Uint8Array[]> {
  const read = (p: string): Promise<Buffer> => readFile(p).catch((e: unknown) => Promise.reject(readError(p, e)))
  let sources = 0
  let data: Uint8Array[] = []
  if (req.keyPath) {
    sources++
    data = [await read(req.keyPath)]
  }
  if (req.keyPaths !== undefined) {
    sources++
    data = []
    for (const p of req.keyPaths) data.push(await read(p))
  }
  if (req.keyData !== undefined) {
    sources++
    data = [Buffer.from(req.keyData, 'base64')]
  }
  if (sources !== 1)
    throw new Error('Internal inconsistency: not exactly one of "keyPath", "keyPaths" and "keyData" specified')
  return data
}

export function signedByEvaluator(req: SignedBy): RequirementEvaluator {
  let keyring: Promise<Keyring> | undefined
  const keys = (): Promise<Keyring> => (keyring ??= keyData(req).then(importKeys))

  const accept = async (image: PolicyImage, bytes: Buffer): Promise<SignatureAcceptance> => {
    if (req.keyType !== 'GPGKeys')
      return { result: 'rejected', error: new Error(`Unimplemented "keyType" value "${req.keyType}"`) }
    try {
      const ring = await keys()
      if (ring.fingerprints.length === 0) throw new PolicyRequirementError('No public keys imported')
      const sig = await verifyAndExtractSignature(ring, bytes, {
        validateKeyIdentity: (fpr) => {
          if (!ring.fingerprints.includes(fpr))
            throw new PolicyRequirementError(`Signature by key ${fpr} is not accepted`)
        },
        validateSignedDockerReference: (ref) => {
          if (!matchesDockerReference(req.signedIdentity, image.reference, ref))
            throw new PolicyRequirementError(`Signature for identity ${ref} is not accepted`)
        },
        validateSignedDockerManifestDigest: async (digest) => {
          const m = await image.manifest()
          if (manifestDigest(m.bytes, m.mediaType) !== digest)
            throw new PolicyRequirementError(`Signature for digest ${digest} does not match`)
        },
      })
      return {
        result: 'accepted',
        signature: { dockerManifestDigest: sig.dockerManifestDigest, dockerReference: sig.dockerReference },
      }
    } catch (e) {
      return { result: 'rejected', error: e instanceof Error ? e : new Error(String(e)) }
    }
  }

  const evaluator: RequirementEvaluator = {
    isSignatureAuthorAccepted: (image, sig) =>
      sig.format === 'simple-signing'
        ? accept(image, sig.bytes)
        : Promise.resolve({ result: 'rejected', error: new PolicyRequirementError('not a simple-signing signature') }),
    isRunningImageAllowed: (image) => requireAcceptedSignature(evaluator, image, 'simple-signing'),
  }
  return evaluator
}
