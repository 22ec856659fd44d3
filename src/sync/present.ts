/**
 * Skip-if-present: is the source image already at the destination? Registries are asked with
 * HEAD only (a manifest GET counts as a pull): the destination first (absent → copy, the source is
 * not even asked), then the source by tag. Local ends (dir, oci, registry-storage) compare the
 * stored manifest's digest; a local destination also has to be complete (every blob there, with
 * its size), else it is copied again, which repairs it. When the source is a list and only one instance is copied, the destination holds that
 * instance: then the list itself is read (one GET) to recognise it.
 */
import { parseManifest, manifestDigest, resolveMediaType } from '../manifest/parse.js'
import { isListType } from '../manifest/media-types.js'
import { DockerImageReference } from '../transports/docker/reference.js'
import { stat } from 'node:fs/promises'
import type { ImageReference, ImageSource, TransportOptions } from '../transports/types.js'
import type { BlobInfo, Platform } from '../manifest/types.js'
import type { Digest } from '../digest/digest.js'
import { chooseInstance } from '../manifest/platform.js'
import { isNotFound } from '../errors.js'
import type { MultiArch } from '../copy/options.js'
import type { RegistryAccess } from './registry-access.js'

interface Stored {
  digest: string
  mediaType: string
}

/**
 * Whether a local image is complete: every blob its manifest names (config and layers; for a list,
 * the instances that are there, and with --multi-arch all every instance) exists with the size the
 * manifest gives. Cheap: one stat per blob, no hashing (the copy that wrote them verified every
 * digest; a blob of the right size but corrupt content is not detected here: use --force).
 */
async function complete(src: ImageSource, bytes: Buffer, mediaType: string, multiArch: MultiArch, depth = 0): Promise<boolean> {
  const localPath = src.localBlobPath?.bind(src)
  if (!localPath) return true // not a local store (nothing to stat)
  const m = parseManifest(bytes, mediaType)
  const blobs: BlobInfo[] = m.kind === 'image' ? [m.config, ...m.layers] : m.kind === 'schema1' ? m.fsLayers.map((l) => ({ digest: l.blobSum as Digest, size: -1 })) : []
  for (const b of blobs) {
    const path = await localPath(b)
    if (path === undefined) {
      if (b.urls?.length) continue // a foreign layer: referenced, not stored
      return false
    }
    if (b.size >= 0 && (await stat(path)).size !== b.size) return false
  }
  if (m.kind !== 'list' || depth > 0) return true
  for (const e of m.manifests) {
    let child
    try {
      child = await src.getManifest(e.digest)
    } catch (err) {
      // index-only and platform lists store only some instances (or none); --multi-arch all needs each one
      if (isNotFound(err) || (err as { code?: string }).code === 'ERR_IMAGE_NOT_FOUND') {
        if (multiArch === 'all') return false
        continue
      }
      throw err
    }
    const mt = resolveMediaType(child.bytes, child.mediaType || e.mediaType || undefined)
    if (manifestDigest(child.bytes, mt) !== e.digest) return false
    if (!(await complete(src, child.bytes, mt, multiArch, depth + 1))) return false
  }
  return true
}

/**
 * The manifest digest stored at a local image (dir:, oci:, registry-storage:), or undefined when
 * there is none. With `verify` (the destination side), an image with a missing or truncated blob
 * counts as absent, so the sync copies it again and the folder is repaired.
 */
async function localDigest(ref: ImageReference, opts: TransportOptions | undefined, verify?: { multiArch: MultiArch }): Promise<Stored | undefined> {
  let src
  try {
    src = await ref.newImageSource(opts)
  } catch {
    return undefined
  }
  try {
    const m = await src.getManifest()
    const mediaType = resolveMediaType(m.bytes, m.mediaType || undefined)
    if (verify && !(await complete(src, m.bytes, mediaType, verify.multiArch))) return undefined
    return { digest: manifestDigest(m.bytes, mediaType), mediaType }
  } catch {
    return undefined
  } finally {
    await src.close().catch(() => {})
  }
}

async function storedDigest(ref: ImageReference, opts: TransportOptions | undefined, access: RegistryAccess, role: 'pull' | 'push', multiArch: MultiArch = 'system'): Promise<Stored | undefined> {
  if (ref instanceof DockerImageReference) {
    const h = await access.headManifest(ref, opts, role)
    if (!h) return undefined
    const digest = h.digest ?? (role === 'pull' ? ref.ref.digest : undefined)
    return digest ? { digest, mediaType: h.mediaType } : undefined
  }
  return localDigest(ref, opts, role === 'push' ? { multiArch } : undefined)
}

export interface PresenceOptions {
  source?: TransportOptions
  destination?: TransportOptions
  multiArch?: MultiArch
  /** --override-os/arch/variant: which instance of a list 'system' copies. */
  platform?: Partial<Platform>
  access: RegistryAccess
}

/** The destination's digest when it already holds the source image; undefined when it must be copied. */
export async function alreadyPresent(src: ImageReference, dest: ImageReference, o: PresenceOptions): Promise<string | undefined> {
  let there: Stored | undefined
  try {
    there = await storedDigest(dest, o.destination, o.access, 'push', o.multiArch ?? 'system')
  } catch {
    return undefined // cannot tell: the copy will say what is wrong
  }
  if (!there) return undefined
  let here: Stored | undefined
  try {
    const pinned = src instanceof DockerImageReference ? src.ref.digest : undefined
    here = pinned ? { digest: pinned, mediaType: '' } : await storedDigest(src, o.source, o.access, 'pull')
  } catch {
    return undefined
  }
  if (!here) return undefined
  if (here.digest === there.digest) return there.digest
  // Only 'system' copies one instance of a list (a platform list keeps the list, digest and all).
  if ((o.multiArch ?? 'system') !== 'system' || (here.mediaType !== '' && !isListType(here.mediaType))) return undefined
  // the source is a list (or we cannot tell): is the destination the instance this platform gets?
  try {
    const s = await src.newImageSource(o.source)
    try {
      const m = await s.getManifest()
      const parsed = parseManifest(m.bytes, resolveMediaType(m.bytes, m.mediaType || undefined))
      if (parsed.kind === 'list' && chooseInstance(parsed, o.platform).digest === there.digest) return there.digest
    } finally {
      await s.close().catch(() => {})
    }
  } catch {
    // fall through: copy
  }
  return undefined
}

/**
 * --dry-run: checks that the source image exists, failing as its copy would (the same error: the
 * manifest is read as the copy reads it). Registries are asked with HEAD first (no pull counted),
 * and read only when the HEAD finds nothing; local sources read their manifest.
 */
export async function sourceExists(src: ImageReference, opts: TransportOptions | undefined, access: RegistryAccess): Promise<void> {
  // registries: HEAD (no pull counted); only a miss reads the manifest, for the copy's own error
  if (src instanceof DockerImageReference && (await access.headManifest(src, opts, 'pull'))) return
  const s = await src.newImageSource(opts)
  try {
    await s.getManifest()
  } finally {
    await s.close().catch(() => {})
  }
}
