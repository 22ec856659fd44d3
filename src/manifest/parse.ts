/**
 * Manifest parsing: media type from the header or guessed from the bytes, strict validation,
 * and digests over the exact bytes (schema1: over the payload with the JWS signature removed).
 */
import { SkiffError } from '../errors.js'
import { digestOf, isValidDigest, type Digest } from '../digest/digest.js'
import { MT, isListType, isSchema1Type } from './media-types.js'
import { MAX_MANIFEST_SIZE, sizeLimitMessage } from '../util/limits.js'
import type { BlobInfo, ImageManifest, ListEntry, Manifest, ManifestList, Platform, Schema1Manifest } from './types.js'

/** Layer media types a Docker schema2 manifest may carry (containers/image SupportedSchema2MediaType, and zstd). */
const DOCKER_SCHEMA2_LAYER_TYPES = new Set<string>([
  MT.DOCKER_LAYER_GZIP,
  MT.DOCKER_LAYER_TAR,
  MT.DOCKER_LAYER_ZSTD,
  MT.DOCKER_FOREIGN_LAYER_GZIP,
  'application/vnd.docker.image.rootfs.foreign.diff.tar',
])

function invalid(what: string, detail: string): SkiffError {
  return new SkiffError('ERR_MANIFEST_INVALID', `invalid manifest${what ? ` of ${what}` : ''}: ${detail}`)
}

function parseJson(bytes: Uint8Array, what: string): Record<string, unknown> {
  let v: unknown
  try {
    v = JSON.parse(Buffer.from(bytes).toString('utf8'))
  } catch (e) {
    throw invalid(what, `not JSON (${(e as Error).message})`)
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw invalid(what, 'not a JSON object')
  return v as Record<string, unknown>
}

/** Guesses the media type from the bytes, as containers/image's GuessMIMEType does. */
export function guessMediaType(bytes: Uint8Array): string {
  let m: Record<string, unknown>
  try {
    m = parseJson(bytes, '')
  } catch {
    return ''
  }
  if (typeof m.mediaType === 'string' && m.mediaType !== '') return m.mediaType
  if (m.schemaVersion === 1) {
    return Array.isArray(m.signatures) ? MT.DOCKER_V2S1_SIGNED : MT.DOCKER_V2S1
  }
  if (m.schemaVersion === 2) {
    if (Array.isArray(m.manifests)) return MT.OCI_INDEX
    const config = m.config as Record<string, unknown> | undefined
    if (config && typeof config === 'object') {
      if (config.mediaType === MT.DOCKER_CONFIG) return MT.DOCKER_V2S2
      return MT.OCI_MANIFEST
    }
  }
  return ''
}

/** The media type to use: the one given (e.g. Content-Type), else the one in the bytes, else guessed. */
export function resolveMediaType(bytes: Uint8Array, given: string | undefined): string {
  const g = (given ?? '').split(';')[0]!.trim()
  if (g && g !== 'text/plain' && g !== 'application/json' && g !== 'application/octet-stream') return g
  return guessMediaType(bytes)
}

function descriptor(v: unknown, what: string, field: string): BlobInfo {
  if (!v || typeof v !== 'object') throw invalid(what, `${field} is not a descriptor`)
  const d = v as Record<string, unknown>
  if (typeof d.digest !== 'string' || !isValidDigest(d.digest))
    throw invalid(what, `${field} has an invalid digest ${JSON.stringify(d.digest)}`)
  if (typeof d.size !== 'number' || !Number.isInteger(d.size) || d.size < -1)
    throw invalid(what, `${field} has an invalid size ${JSON.stringify(d.size)}`)
  const out: BlobInfo = { digest: d.digest, size: d.size }
  if (typeof d.mediaType === 'string') out.mediaType = d.mediaType
  if (Array.isArray(d.urls)) out.urls = d.urls.filter((u): u is string => typeof u === 'string')
  if (d.annotations && typeof d.annotations === 'object') out.annotations = d.annotations as Record<string, string>
  return out
}

function platformOf(v: unknown): Platform | undefined {
  if (!v || typeof v !== 'object') return undefined
  const p = v as Record<string, unknown>
  const out: Platform = { os: String(p.os ?? ''), architecture: String(p.architecture ?? '') }
  if (typeof p.variant === 'string' && p.variant) out.variant = p.variant
  if (typeof p['os.version'] === 'string') out['os.version'] = p['os.version']
  if (Array.isArray(p['os.features'])) out['os.features'] = p['os.features'] as string[]
  return out
}

/**
 * Parses and validates a manifest of any supported type. `mediaType` may be '' (guessed).
 * `what` names the image for error messages.
 */
export function parseManifest(bytes: Uint8Array, mediaType: string, what = ''): Manifest {
  if (bytes.length > MAX_MANIFEST_SIZE)
    throw new SkiffError(
      'ERR_MANIFEST_INVALID',
      `${what ? `${what}: ` : ''}reading manifest: ${sizeLimitMessage(MAX_MANIFEST_SIZE)}`,
    )
  const mt = resolveMediaType(bytes, mediaType)
  const m = parseJson(bytes, what)
  if (typeof m.mediaType === 'string' && m.mediaType !== '' && m.mediaType !== mt && !isSchema1Type(mt)) {
    throw invalid(what, `media type ${m.mediaType} in the manifest does not match ${mt}`)
  }
  if (isSchema1Type(mt)) return parseSchema1(m, mt, what)
  if (m.schemaVersion !== 2) throw invalid(what, `unsupported schemaVersion ${JSON.stringify(m.schemaVersion)}`)
  if (isListType(mt)) {
    if (!Array.isArray(m.manifests)) throw invalid(what, 'a manifest list without "manifests"')
    const list: ManifestList = {
      kind: 'list',
      mediaType: mt,
      manifests: m.manifests.map((e, i) => {
        const d: ListEntry = descriptor(e, what, `manifests[${i}]`)
        const p = platformOf((e as Record<string, unknown>).platform)
        if (p) d.platform = p
        return d
      }),
    }
    if (m.annotations && typeof m.annotations === 'object') list.annotations = m.annotations as Record<string, string>
    if (m.subject) list.subject = descriptor(m.subject, what, 'subject')
    if (typeof m.artifactType === 'string') list.artifactType = m.artifactType
    return list
  }
  if (mt === MT.DOCKER_V2S2 || mt === MT.OCI_MANIFEST) {
    if (!Array.isArray(m.layers)) throw invalid(what, 'an image manifest without "layers"')
    const img: ImageManifest = {
      kind: 'image',
      mediaType: mt,
      config: descriptor(m.config, what, 'config'),
      layers: m.layers.map((l, i) => descriptor(l, what, `layers[${i}]`)),
    }
    if (mt === MT.DOCKER_V2S2) {
      // as containers/image: a Docker schema2 manifest carries Docker layer types only (OCI ones are refused, not converted)
      for (const [i, l] of img.layers.entries()) {
        if (!DOCKER_SCHEMA2_LAYER_TYPES.has(l.mediaType ?? ''))
          throw invalid(what, `layers[${i}]: unsupported docker v2s2 media type: ${JSON.stringify(l.mediaType ?? '')}`)
      }
    }
    if (m.annotations && typeof m.annotations === 'object') img.annotations = m.annotations as Record<string, string>
    if (m.subject) img.subject = descriptor(m.subject, what, 'subject')
    if (typeof m.artifactType === 'string') img.artifactType = m.artifactType
    return img
  }
  throw new SkiffError(
    'ERR_MANIFEST_INVALID',
    `unsupported manifest media type ${JSON.stringify(mt || '(unknown)')}${what ? ` for ${what}` : ''}`,
  )
}

function parseSchema1(m: Record<string, unknown>, mt: string, what: string): Schema1Manifest {
  if (m.schemaVersion !== 1) throw invalid(what, 'schema1 manifest without schemaVersion 1')
  if (!Array.isArray(m.fsLayers) || !Array.isArray(m.history))
    throw invalid(what, 'schema1 manifest without fsLayers/history')
  if (m.fsLayers.length !== m.history.length)
    throw invalid(what, 'schema1 manifest: fsLayers and history differ in length')
  if (m.fsLayers.length === 0) throw invalid(what, 'schema1 manifest with no layers')
  const fsLayers = m.fsLayers.map((l, i) => {
    const b = (l as Record<string, unknown>)?.blobSum
    if (typeof b !== 'string' || !isValidDigest(b)) throw invalid(what, `fsLayers[${i}] has an invalid blobSum`)
    return { blobSum: b }
  })
  const history = m.history.map((h, i) => {
    const v = (h as Record<string, unknown>)?.v1Compatibility
    if (typeof v !== 'string') throw invalid(what, `history[${i}] has no v1Compatibility`)
    return { v1Compatibility: v }
  })
  return {
    kind: 'schema1',
    mediaType: Array.isArray(m.signatures) ? MT.DOCKER_V2S1_SIGNED : mt,
    name: String(m.name ?? ''),
    tag: String(m.tag ?? ''),
    architecture: String(m.architecture ?? ''),
    fsLayers,
    history,
    signed: Array.isArray(m.signatures),
  }
}

/**
 * The payload a schema1 JWS signs: the bytes with the `signatures` member removed, reconstructed
 * from the `protected` header's formatLength/formatTail (libtrust's scheme).
 */
export function schema1Payload(bytes: Uint8Array): Buffer {
  const buf = Buffer.from(bytes)
  const m = JSON.parse(buf.toString('utf8')) as { signatures?: Array<{ protected?: string }> }
  if (!Array.isArray(m.signatures) || m.signatures.length === 0) return buf
  const prot = m.signatures[0]!.protected
  if (typeof prot !== 'string') throw invalid('', 'schema1 signature without a protected header')
  let header: { formatLength?: number; formatTail?: string }
  try {
    header = JSON.parse(Buffer.from(prot, 'base64url').toString('utf8'))
  } catch {
    throw invalid('', 'schema1 signature protected header is not valid base64url JSON')
  }
  if (typeof header.formatLength !== 'number' || typeof header.formatTail !== 'string') {
    throw invalid('', 'schema1 signature protected header lacks formatLength/formatTail')
  }
  if (header.formatLength > buf.length) throw invalid('', 'schema1 signature formatLength exceeds the manifest')
  const tail = Buffer.from(header.formatTail, 'base64url')
  return Buffer.concat([buf.subarray(0, header.formatLength), tail])
}

/** The digest of a manifest, as registries compute it (schema1: JWS stripped). */
export function manifestDigest(bytes: Uint8Array, mediaType?: string): Digest {
  const mt = resolveMediaType(bytes, mediaType)
  if (isSchema1Type(mt)) return digestOf(schema1Payload(bytes))
  return digestOf(bytes)
}
