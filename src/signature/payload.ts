/**
 * The simple-signing payload (containers-signature(5); containers/image signature/simple.go): what
 * a GPG signature signs. Written as containers/image writes it (Go's json.Marshal of maps: keys in
 * byte order, no spaces), parsed as strictly as it parses it (exactly these critical fields, any
 * optional ones; messages as its InvalidSignatureError).
 */
import { goMarshal } from '../go/json.js'
import {
  JsonObject,
  type JsonValue,
  PolicyFormatError,
  exactFields,
  paranoidObject,
  parseStrictJson,
} from '../config/policy-json.js'
import { VERSION } from '../version.js'
import { InvalidSignatureError } from './errors.js'

export const SIGNATURE_TYPE = 'atomic container signature'

/** What a signature claims, before it is verified. */
export interface UntrustedSignaturePayload {
  dockerManifestDigest: string
  dockerReference: string
  creatorID?: string
  /** Seconds since the epoch. */
  timestamp?: number
}

/** A new payload for `digest` and `reference`: creator `skiff VERSION`, timestamp now. */
export function newPayload(
  dockerManifestDigest: string,
  dockerReference: string,
  now = Date.now(),
): UntrustedSignaturePayload {
  return { dockerManifestDigest, dockerReference, creatorID: `skiff ${VERSION}`, timestamp: Math.floor(now / 1000) }
}

/** The payload's bytes as containers/image's untrustedSignature.MarshalJSON writes them. */
export function marshalPayload(p: UntrustedSignaturePayload): Buffer {
  return marshalTypedPayload(SIGNATURE_TYPE, {
    dockerManifestDigest: p.dockerManifestDigest,
    dockerReference: p.dockerReference,
    creator: p.creatorID,
    timestamp: p.timestamp,
  })
}

/**
 * The `{"critical":{type,image,identity},"optional":{creator,timestamp}}` JSON both simple signing
 * and sigstore sign (they differ in `type` only), in containers/image's field order.
 */
export function marshalTypedPayload(
  type: string,
  p: {
    dockerManifestDigest: string
    dockerReference: string
    creator?: string | undefined
    timestamp?: number | undefined
  },
): Buffer {
  if (!p.dockerManifestDigest || !p.dockerReference)
    throw new InvalidSignatureError('Unexpected empty signature content')
  const optional = new Map<string, unknown>()
  if (p.creator !== undefined) optional.set('creator', p.creator)
  if (p.timestamp !== undefined) optional.set('timestamp', p.timestamp)
  const critical = new Map<string, unknown>([
    ['type', type],
    ['image', new Map([['docker-manifest-digest', p.dockerManifestDigest]])],
    ['identity', new Map([['docker-reference', p.dockerReference]])],
  ])
  return Buffer.from(
    goMarshal(
      new Map<string, unknown>([
        ['critical', critical],
        ['optional', optional],
      ]),
    ),
  )
}

function stringField(v: JsonValue): string {
  if (v === null) return ''
  if (typeof v !== 'string')
    throw new PolicyFormatError(`json: cannot unmarshal ${kind(v)} into Go value of type string`)
  return v
}

function kind(v: JsonValue): string {
  if (Array.isArray(v)) return 'array'
  if (v instanceof JsonObject) return 'object'
  return typeof v === 'boolean' ? 'bool' : typeof v
}

/** Parses signed payload bytes strictly; throws InvalidSignatureError with containers/image's message. */
export function parsePayload(bytes: Uint8Array): UntrustedSignaturePayload {
  try {
    const top = exactFields(parseStrictJson(Buffer.from(bytes).toString('utf8')), ['critical', 'optional'])
    const out: UntrustedSignaturePayload = { dockerManifestDigest: '', dockerReference: '' }
    for (const [k, v] of paranoidObject(top.get('optional')!, () => true)) {
      if (k === 'creator') out.creatorID = stringField(v)
      else if (k === 'timestamp') {
        if (v !== null && typeof v !== 'number')
          throw new PolicyFormatError(`json: cannot unmarshal ${kind(v)} into Go value of type float64`)
        const t = v ?? 0
        if (!Number.isInteger(t)) throw new InvalidSignatureError('Field optional.timestamp is not is not an integer')
        out.timestamp = t
      }
    }
    const critical = exactFields(top.get('critical')!, ['type', 'image', 'identity'])
    const t = stringField(critical.get('type')!)
    if (t !== SIGNATURE_TYPE) throw new InvalidSignatureError(`Unrecognized signature type ${t}`)
    out.dockerManifestDigest = stringField(
      exactFields(critical.get('image')!, ['docker-manifest-digest']).get('docker-manifest-digest')!,
    )
    out.dockerReference = stringField(
      exactFields(critical.get('identity')!, ['docker-reference']).get('docker-reference')!,
    )
    return out
  } catch (e) {
    if (e instanceof PolicyFormatError) throw new InvalidSignatureError(e.message)
    throw e
  }
}
