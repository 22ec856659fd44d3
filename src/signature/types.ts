/**
 * The signature model (containers/image internal/signature): what a transport stores and returns,
 * the copy engine carries from source to destination, and the policy verifies. Every field is
 * UNTRUSTED until a policy requirement accepted the signature.
 *
 * - simple signing: an OpenPGP message (binary, usually compressed) whose literal data is the
 *   JSON payload of signature/payload.ts; containers-signature(5).
 * - sigstore: cosign's simple-signing payload with its signature in an annotation, as stored in a
 *   registry's `sha256-<hex>.sig` attachment (one layer per signature).
 */

/** containers/image's FormatID values. */
export type SignatureFormat = 'simple-signing' | 'sigstore-json'

export interface SimpleSigningSignature {
  readonly format: 'simple-signing'
  /** The OpenPGP message as stored (a `signature-N` file's whole content). */
  readonly bytes: Buffer
}

export interface SigstoreSignature {
  readonly format: 'sigstore-json'
  /** The layer's media type (normally SIGSTORE_SIGNATURE_MIME_TYPE). */
  readonly mimeType: string
  /** The layer's bytes: the signed payload. */
  readonly payload: Buffer
  /** The layer's annotations (SIGSTORE_SIGNATURE_ANNOTATION holds the base64 signature). */
  readonly annotations: Readonly<Record<string, string>>
}

export type Signature = SimpleSigningSignature | SigstoreSignature

export const SIGSTORE_SIGNATURE_MIME_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json'
export const SIGSTORE_SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature'

export function simpleSigning(bytes: Uint8Array): SimpleSigningSignature {
  return { format: 'simple-signing', bytes: Buffer.from(bytes) }
}

export function sigstoreSignature(
  mimeType: string,
  payload: Uint8Array,
  annotations: Readonly<Record<string, string>>,
): SigstoreSignature {
  return { format: 'sigstore-json', mimeType, payload: Buffer.from(payload), annotations: { ...annotations } }
}
