/**
 * A signature as one file (dir:'s `signature-N`, a lookaside `signature-N`): containers/image's
 * signature.Blob / FromBlob. Simple signing is the OpenPGP message itself; any other format is
 * `\0` + format + `\n` + its representation (sigstore: Go's JSON of {mimeType, payload, annotations}).
 */
import { goMarshal } from '../go/json.js'
import { goMap } from '../go/values.js'
import { SignatureFormatError } from './errors.js'
import { type Signature, sigstoreSignature, simpleSigning } from './types.js'

/** The file content for `sig`, byte-identical with containers/image's. */
export function signatureToBlob(sig: Signature): Buffer {
  if (sig.format === 'simple-signing') return Buffer.from(sig.bytes)
  const chunk = goMarshal({
    mimeType: sig.mimeType,
    payload: new Uint8Array(sig.payload),
    annotations: goMap(sig.annotations),
  })
  return Buffer.concat([Buffer.from([0]), Buffer.from(`${sig.format}\n`), Buffer.from(chunk)])
}

// The first byte of an OpenPGP message as gpg writes one: a compressed data, one-pass signature or
// signature packet, old or new packet format (containers/image's list, 0x3d included).
const OPENPGP_FIRST_BYTES = new Set([
  0xa0, 0xa1, 0xa2, 0xa3, 0xc8, 0x90, 0x91, 0x92, 0x3d, 0xc4, 0x88, 0x89, 0x8a, 0x8b, 0xc2,
])

/** Parses a signature file; throws SignatureFormatError with containers/image's message. */
export function signatureFromBlob(blob: Uint8Array): Signature {
  if (blob.length === 0) throw new SignatureFormatError('empty signature blob')
  const first = blob[0]!
  if (OPENPGP_FIRST_BYTES.has(first)) return simpleSigning(blob)
  if (first !== 0) {
    throw new SignatureFormatError(`unrecognized signature format, starting with binary 0x${first.toString(16)}`)
  }
  const rest = Buffer.from(blob.subarray(1))
  const nl = rest.indexOf(0x0a)
  if (nl === -1) throw new SignatureFormatError('invalid signature format, missing newline')
  const format = rest.subarray(0, nl)
  for (const b of format) {
    if (b < 32 || b >= 0x7f)
      throw new SignatureFormatError(`invalid signature format, non-ASCII byte 0x${b.toString(16)}`)
  }
  const chunk = rest.subarray(nl + 1)
  const name = format.toString('latin1')
  if (name === 'simple-signing') return simpleSigning(chunk)
  if (name === 'sigstore-json') return sigstoreFromChunk(chunk)
  throw new SignatureFormatError(`unrecognized signature format ${JSON.stringify(name)}`)
}

/** Go's json.Unmarshal into {mimeType string; payload []byte; annotations map[string]string}. */
function sigstoreFromChunk(chunk: Buffer): Signature {
  let v: unknown
  try {
    v = JSON.parse(chunk.toString('utf8'))
  } catch (e) {
    throw new SignatureFormatError(`invalid sigstore signature: ${(e as Error).message}`)
  }
  if (v === null) return sigstoreSignature('', Buffer.alloc(0), {})
  if (typeof v !== 'object' || Array.isArray(v))
    throw new SignatureFormatError('invalid sigstore signature: not a JSON object')
  // encoding/json matches field names case-insensitively; the last occurrence wins
  let mimeType = ''
  let payload = Buffer.alloc(0)
  const annotations: Record<string, string> = {}
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    const key = k.toLowerCase()
    if (key === 'mimetype') {
      if (val !== null && typeof val !== 'string')
        throw new SignatureFormatError('invalid sigstore signature: mimeType is not a string')
      mimeType = val ?? ''
    } else if (key === 'payload') {
      if (val !== null && typeof val !== 'string')
        throw new SignatureFormatError('invalid sigstore signature: payload is not a string')
      if (val && !/^[A-Za-z0-9+/]*={0,2}$/.test(val.replace(/[\r\n]/g, '')))
        throw new SignatureFormatError('invalid sigstore signature: payload is not base64')
      payload = Buffer.from(val ?? '', 'base64')
    } else if (key === 'annotations') {
      if (val === null) continue
      if (typeof val !== 'object' || Array.isArray(val))
        throw new SignatureFormatError('invalid sigstore signature: annotations is not an object')
      for (const [ak, av] of Object.entries(val as Record<string, unknown>)) {
        if (typeof av !== 'string')
          throw new SignatureFormatError(`invalid sigstore signature: annotation ${ak} is not a string`)
        annotations[ak] = av
      }
    }
  }
  return sigstoreSignature(mimeType, payload, annotations)
}

/**
 * signatureFromBlob for a stored file: `parsing signature WHERE: …` as containers/image says it
 * (`where`: the quoted path of a file, the URL of a web lookaside).
 */
export function parseStoredSignature(blob: Uint8Array, where: string, image?: string): Signature {
  try {
    return signatureFromBlob(blob)
  } catch (e) {
    if (!(e instanceof SignatureFormatError)) throw e
    throw new SignatureFormatError(`parsing signature ${where}: ${e.message}`, {
      cause: e,
      ...(image ? { image } : {}),
    })
  }
}
