/**
 * Reading what inspect needs from a source: the top-level manifest, the instance chosen for the
 * platform when it is a list, and that image's config. Manifests and configs are verified against
 * the digests that name them (the list entry, the config descriptor, a digest in the reference).
 */
import { SkiffError } from '../errors.js'
import { verifyBytes } from '../digest/verify.js'
import type { Digest } from '../digest/digest.js'
import { manifestDigest, parseManifest, resolveMediaType } from '../manifest/parse.js'
import { chooseInstance } from '../manifest/platform.js'
import type { ImageManifest, Manifest, Platform, Schema1Manifest } from '../manifest/types.js'
import type { ImageSource } from '../transports/types.js'

/** Configs larger than this are refused, as containers/image does (iolimits.MaxConfigBodySize). */
export { MAX_CONFIG_SIZE } from '../util/limits.js'
import { MAX_CONFIG_SIZE, sizeLimitMessage } from '../util/limits.js'

export interface TopManifest {
  bytes: Buffer
  mediaType: string
  digest: Digest
}

export interface ChosenImage {
  /** The image manifest (an instance of the list, when the top level is a list). */
  manifest: ImageManifest | Schema1Manifest
  /** Its digest. */
  digest: Digest
}

/** The top-level manifest as stored; verified when the reference names a digest. */
export async function readTopManifest(source: ImageSource): Promise<TopManifest> {
  const what = source.reference.toString()
  const { bytes, mediaType } = await source.getManifest()
  const mt = resolveMediaType(bytes, mediaType)
  const digest = manifestDigest(bytes, mt)
  const named = source.reference.dockerReference()?.digest
  if (named && named !== digest) verifyBytes(bytes, named, `manifest of ${what}`)
  return { bytes, mediaType: mt, digest }
}

/** Parses the top manifest and, for a list, fetches and verifies the instance for `platform`. */
export async function chooseImage(
  source: ImageSource,
  top: TopManifest,
  platform?: Partial<Platform>,
): Promise<ChosenImage> {
  const what = source.reference.toString()
  const m: Manifest = parseManifest(top.bytes, top.mediaType, what)
  if (m.kind !== 'list') return { manifest: m, digest: top.digest }
  const entry = chooseInstance(m, platform, what)
  const child = await source.getManifest(entry.digest)
  const childMt = resolveMediaType(child.bytes, child.mediaType || entry.mediaType)
  const actual = manifestDigest(child.bytes, childMt)
  if (actual !== entry.digest) verifyBytes(child.bytes, entry.digest, `manifest ${entry.digest} of ${what}`)
  const cm = parseManifest(child.bytes, childMt, what)
  if (cm.kind === 'list') {
    throw new SkiffError(
      'ERR_MANIFEST_INVALID',
      `manifest ${entry.digest} of ${what} is itself a manifest list; nested lists are not supported`,
      { image: what },
    )
  }
  return { manifest: cm, digest: entry.digest }
}

/** Reads and verifies the config blob of an image manifest (size-limited, held in memory). */
export async function readConfig(source: ImageSource, m: ImageManifest): Promise<Buffer> {
  const what = `config ${m.config.digest} of ${source.reference.toString()}`
  if (m.config.size > MAX_CONFIG_SIZE)
    throw new SkiffError(
      'ERR_MANIFEST_INVALID',
      `${what} is ${m.config.size} bytes: ${sizeLimitMessage(MAX_CONFIG_SIZE)}`,
    )
  const { stream } = await source.getBlob(m.config)
  const chunks: Buffer[] = []
  let total = 0
  for await (const c of stream) {
    const b = Buffer.isBuffer(c) ? c : Buffer.from(c as Uint8Array)
    total += b.length
    if (total > MAX_CONFIG_SIZE) {
      stream.destroy()
      throw new SkiffError('ERR_MANIFEST_INVALID', `${what}: ${sizeLimitMessage(MAX_CONFIG_SIZE)}`)
    }
    chunks.push(b)
  }
  const bytes = Buffer.concat(chunks)
  if (m.config.size >= 0 && bytes.length !== m.config.size) {
    throw new SkiffError(
      'ERR_SIZE_MISMATCH',
      `${what}: size mismatch: expected ${m.config.size} bytes, got ${bytes.length}; the source is corrupt`,
    )
  }
  verifyBytes(bytes, m.config.digest, what)
  return bytes
}
