/**
 * A sigstore signature as containers/image keeps it (internal/signature/sigstore.go): the
 * attachment's MIME type, its payload bytes and its annotations, all untrusted until verified.
 * Unknown annotations are kept, so a signature copies unchanged.
 */

/** cosign's simple signing media type (the layers of a `.sig` attachment). */
export const SIGSTORE_SIGNATURE_MIME_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json'
/** The base64 signature over the payload. */
export const SIGSTORE_SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature'
/** A Rekor SET (not verified by skiff: no Rekor here). */
export const SIGSTORE_SET_ANNOTATION = 'dev.sigstore.cosign/bundle'
/** A Fulcio certificate and its chain (not verified by skiff). */
export const SIGSTORE_CERTIFICATE_ANNOTATION = 'dev.sigstore.cosign/certificate'
export const SIGSTORE_CHAIN_ANNOTATION = 'dev.sigstore.cosign/chain'

export interface SigstoreSignature {
  mimeType: string
  payload: Buffer
  annotations: Record<string, string>
}

/** A signature that is malformed or does not verify (containers/image's InvalidSignatureError). */
export class InvalidSignatureError extends Error {}
