/**
 * Signing and verifying a message as sigstore's signature package does: ECDSA over SHA-256 with
 * ASN.1 DER signatures (IEEE P1363 r‖s also accepted when verifying), RSA PKCS #1 v1.5 over
 * SHA-256, Ed25519 over the message itself. Failures read as sigstore's.
 */
import { sign, verify, type KeyObject } from 'node:crypto'

/** A signature of `message` with `key` (Signer.SignMessage). */
export function signMessage(key: KeyObject, message: Uint8Array): Buffer {
  switch (key.asymmetricKeyType) {
    case 'ec':
      return sign('sha256', message, { key, dsaEncoding: 'der' })
    case 'rsa':
      return sign('sha256', message, key)
    case 'ed25519':
      return sign(null, message, key)
    default:
      throw new Error(`unsupported key type ${key.asymmetricKeyType}`)
  }
}

/** Reads one DER TLV at `at`: its tag, and where its contents start and end; undefined when malformed. */
function tlv(b: Uint8Array, at: number): { tag: number; start: number; end: number } | undefined {
  if (at + 2 > b.length) return undefined
  const tag = b[at]!
  let len = b[at + 1]!
  let start = at + 2
  if (len & 0x80) {
    const n = len & 0x7f
    if (n === 0 || n > 4 || start + n > b.length) return undefined
    len = 0
    for (let i = 0; i < n; i++) len = len * 256 + b[start + i]!
    start += n
  }
  const end = start + len
  return end > b.length ? undefined : { tag, start, end }
}

/** Whether the bytes begin with a SEQUENCE of two INTEGERs (what Go's asn1.Unmarshal into {R, S *big.Int} accepts). */
function looksLikeAsn1Signature(b: Uint8Array): boolean {
  const seq = tlv(b, 0)
  if (!seq || seq.tag !== 0x30) return false
  const r = tlv(b, seq.start)
  if (!r || r.tag !== 0x02 || r.end === r.start || r.end > seq.end) return false
  const s = tlv(b, r.end)
  return !!s && s.tag === 0x02 && s.end > s.start && s.end <= seq.end
}

/** DER INTEGER of an unsigned big-endian number. */
function derInteger(bytes: Uint8Array): Buffer {
  let i = 0
  while (i < bytes.length - 1 && bytes[i] === 0) i++
  let v = Buffer.from(bytes.subarray(i))
  if (v.length === 0) v = Buffer.from([0])
  if (v[0]! & 0x80) v = Buffer.concat([Buffer.from([0]), v])
  return Buffer.concat([Buffer.from([0x02, v.length]), v])
}

function p1363ToDer(sig: Uint8Array): Buffer {
  const half = sig.length / 2
  const body = Buffer.concat([derInteger(sig.subarray(0, half)), derInteger(sig.subarray(half))])
  const len = body.length < 0x80 ? Buffer.from([body.length]) : Buffer.from([0x81, body.length])
  return Buffer.concat([Buffer.from([0x30]), len, body])
}

/** Verifies `signature` of `message` with `key` (Verifier.VerifySignature); throws with sigstore's message. */
export function verifyMessage(key: KeyObject, message: Uint8Array, signature: Uint8Array): void {
  switch (key.asymmetricKeyType) {
    case 'ec': {
      if (looksLikeAsn1Signature(signature)) {
        if (!safeVerify('sha256', message, key, signature))
          throw new Error('invalid signature when validating ASN.1 encoded signature')
        return
      }
      if (signature.length === 0 || signature.length > 132 || signature.length % 2 !== 0)
        throw new Error('ecdsa: Invalid IEEE_P1363 encoded bytes')
      if (!safeVerify('sha256', message, key, p1363ToDer(signature)))
        throw new Error('invalid signature when validating IEEE_P1363 encoded signature')
      return
    }
    case 'rsa':
      if (!safeVerify('sha256', message, key, signature)) throw new Error('crypto/rsa: verification error')
      return
    case 'ed25519':
      if (!safeVerify(null, message, key, signature)) throw new Error('failed to verify signature')
      return
    default:
      throw new Error(`unsupported public key type ${key.asymmetricKeyType}`)
  }
}

/** crypto.verify, with a malformed signature counted as a failed one (OpenSSL throws for some). */
function safeVerify(alg: string | null, message: Uint8Array, key: KeyObject, signature: Uint8Array): boolean {
  try {
    return key.asymmetricKeyType === 'ec'
      ? verify(alg, message, { key, dsaEncoding: 'der' }, signature)
      : verify(alg, message, key, signature)
  } catch {
    return false
  }
}
