/**
 * Skip-if-present: is the source image already at the destination? Registries are asked with
 * HEAD only (a manifest GET counts as a pull): the destination first (absent → copy, the source is
 * not even asked), then the source by tag. Local ends (dir, oci) compare the stored manifest's
 * digest. When the source is a list and only one instance is copied, the destination holds that
 * instance: then the list itself is read (one GET) to recognise it.
 */
import { parseManifest, manifestDigest, resolveMediaType } from '../manifest/parse.js'
import { isListType } from '../manifest/media-types.js'
import { DockerImageReference } from '../transports/docker/reference.js'
import type { ImageReference, Platform, TransportOptions } from '../transports/types.js'
import { chooseInstance } from '../manifest/platform.js'
import { ImageNotFoundError } from '../errors.js'
import type { MultiArch } from '../copy/options.js'
import type { RegistryAccess } from './registry-access.js'

interface Stored {
  digest: string
  mediaType: string
}

/** The manifest digest stored at a local image (dir:, oci:), or undefined when there is none. */
async function localDigest(ref: ImageReference, opts: TransportOptions | undefined): Promise<Stored | undefined> {
  let src
  try {
    src = await ref.newImageSource(opts)
  } catch {
    return undefined
  }
  try {
    const m = await src.getManifest()
    const mediaType = resolveMediaType(m.bytes, m.mediaType || undefined)
    return { digest: manifestDigest(m.bytes, mediaType), mediaType }
  } catch {
    return undefined
  } finally {
    await src.close().catch(() => {})
  }
}

async function storedDigest(ref: ImageReference, opts: TransportOptions | undefined, access: RegistryAccess, role: 'pull' | 'push'): Promise<Stored | undefined> {
  if (ref instanceof DockerImageReference) {
    const h = await access.headManifest(ref, opts, role)
    if (!h) return undefined
    const digest = h.digest ?? (role === 'pull' ? ref.ref.digest : undefined)
    return digest ? { digest, mediaType: h.mediaType } : undefined
  }
  return localDigest(ref, opts)
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
    there = await storedDigest(dest, o.destination, o.access, 'push')
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
 * --dry-run: checks that the source image exists, failing as its copy would (ImageNotFoundError,
 * exit 2 for `copy`; a failed image for sync). Registries are asked with HEAD (no pull counted);
 * local sources read their manifest.
 */
export async function sourceExists(src: ImageReference, opts: TransportOptions | undefined, access: RegistryAccess): Promise<void> {
  if (src instanceof DockerImageReference) {
    const r = src.ref
    const sel = r.digest ?? r.tag ?? 'latest'
    if (!(await access.headManifest(src, opts, 'pull'))) {
      throw new ImageNotFoundError(`${src.toString()}: reading manifest ${sel}: image not found (manifest unknown)`, { image: src.toString() })
    }
    return
  }
  const s = await src.newImageSource(opts)
  try {
    await s.getManifest()
  } finally {
    await s.close().catch(() => {})
  }
}
