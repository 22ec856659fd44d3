/**
 * The sigstore signature payload, "cosign container image signature" in cosign's simple signing
 * JSON, exactly as containers/image writes it (json.Marshal of Go maps: keys sorted, <>& escaped)
 * and as strictly as it reads it (signature/internal/sigstore_payload.go): `critical` and
 * `optional` only; in `critical` exactly `type`, `image` {docker-manifest-digest} and `identity`
 * {docker-reference}; `optional` may be null (cosign writes that), its `creator` a string and its
 * `timestamp` an integer, other members ignored.
 */
import {
  JsonObject,
  PolicyFormatError,
  exactFields,
  paranoidObject,
  parseStrictJson,
  type JsonValue,
} from '../../config/policy-json.js'
import type { Digest } from '../../digest/digest.js'
import { marshalTypedPayload } from '../payload.js'
import { InvalidSignatureError } from '../errors.js'

export const SIGSTORE_SIGNATURE_TYPE = 'cosign container image signature'

/** A payload's claims. Nothing here is trusted until the signature over the payload was verified. */
export interface SigstorePayload {
  dockerManifestDigest: Digest
  dockerReference: string
  creator?: string
  /** Seconds since the epoch. */
  timestamp?: number
}

/** The payload bytes to sign (NewUntrustedSigstorePayload + json.Marshal). */
export function marshalSigstorePayload(p: SigstorePayload): Buffer {
  return marshalTypedPayload(SIGSTORE_SIGNATURE_TYPE, p)
}

/** json.Unmarshal of a value into a Go string: null leaves "", anything else but a string fails. */
function goString(v: JsonValue): string {
  if (v === null) return ''
  if (typeof v !== 'string')
    throw new InvalidSignatureError(`json: cannot unmarshal ${kind(v)} into Go value of type string`)
  return v
}

function kind(v: JsonValue): string {
  if (Array.isArray(v)) return 'array'
  if (v instanceof JsonObject) return 'object'
  return typeof v === 'boolean' ? 'bool' : typeof v
}

/** go-digest's Parse, with its error texts. */
function goDigest(s: string): Digest {
  const i = s.indexOf(':')
  const fail = (why: string): never => {
    throw new InvalidSignatureError(`invalid docker-manifest-digest value ${JSON.stringify(s)}: ${why}`)
  }
  if (i <= 0 || i + 1 === s.length) fail('invalid checksum digest format')
  const alg = s.slice(0, i)
  const hex = s.slice(i + 1)
  const lengths: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 }
  if (!Object.hasOwn(lengths, alg)) {
    if (!/^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(s)) fail('invalid checksum digest format')
    fail('unsupported digest algorithm')
  }
  if (hex.length !== lengths[alg]) fail('invalid checksum digest length')
  if (!/^[a-f0-9]*$/.test(hex)) fail('invalid checksum digest format')
  return s
}

function parse(data: Uint8Array): SigstorePayload {
  const root = parseStrictJson(Buffer.from(data).toString('utf8'))
  const top = exactFields(root, ['critical', 'optional'])
  const out: Partial<SigstorePayload> = {}
  const optional = top.get('optional')!
  if (optional !== null) {
    for (const [k, v] of paranoidObject(optional, () => true)) {
      if (k === 'creator') out.creator = goString(v)
      else if (k === 'timestamp') {
        if (v === null) out.timestamp = 0
        else if (typeof v !== 'number')
          throw new InvalidSignatureError(`json: cannot unmarshal ${kind(v)} into Go value of type float64`)
        else if (!Number.isInteger(v) || Math.abs(v) >= 2 ** 63)
          throw new InvalidSignatureError('Field optional.timestamp is not an integer')
        else out.timestamp = v
      }
    }
  }
  const critical = exactFields(top.get('critical')!, ['type', 'image', 'identity'])
  const type = goString(critical.get('type')!)
  if (type !== SIGSTORE_SIGNATURE_TYPE) throw new InvalidSignatureError(`Unrecognized signature type ${type}`)
  const image = exactFields(critical.get('image')!, ['docker-manifest-digest'])
  out.dockerManifestDigest = goDigest(goString(image.get('docker-manifest-digest')!))
  const identity = exactFields(critical.get('identity')!, ['docker-reference'])
  out.dockerReference = goString(identity.get('docker-reference')!)
  return out as SigstorePayload
}

/** Parses untrusted payload bytes; throws InvalidSignatureError. */
export function parseSigstorePayload(data: Uint8Array): SigstorePayload {
  try {
    return parse(data)
  } catch (e) {
    if (e instanceof PolicyFormatError) throw new InvalidSignatureError(e.message)
    throw e
  }
}
