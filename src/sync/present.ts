/**
 * Skip-if-present: is the source image already at the destination? Both ends are asked through
 * ImageReference.storedManifest (registries: HEAD only, a manifest GET counts as a pull; local
 * stores: their files): the destination first (absent → copy, the source is not even asked), then
 * the source. A local destination also has to be complete (every blob there, with its size), else
 * it is copied again, which repairs it. A reference without the capability counts as absent. When
 * the source is a list and only one instance is copied, the destination holds that instance: then
 * the list itself is read (one GET) to recognise it.
 */
import { parseManifest, resolveMediaType } from '../manifest/parse.js'
import { isListType } from '../manifest/media-types.js'
import type { ImageReference, StoredManifest, StoredManifestQuery, TransportOptions } from '../transports/types.js'
import type { Platform } from '../manifest/types.js'
import { chooseInstance } from '../manifest/platform.js'
import type { MultiArch } from '../copy/options.js'
import type { RegistryAccess } from './registry-access.js'

function query(access: RegistryAccess, q: Omit<StoredManifestQuery, 'holder' | 'signal'>): StoredManifestQuery {
  return { ...q, holder: access, ...(access.signal ? { signal: access.signal } : {}) }
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
export async function alreadyPresent(
  src: ImageReference,
  dest: ImageReference,
  o: PresenceOptions,
): Promise<string | undefined> {
  let there: StoredManifest | undefined
  try {
    const complete = { allInstances: (o.multiArch ?? 'system') === 'all' }
    there = await dest.storedManifest?.(o.access.inContext(o.destination), query(o.access, { role: 'push', complete }))
  } catch {
    return undefined // cannot tell: the copy will say what is wrong
  }
  if (!there?.digest) return undefined // nothing there, or a registry that did not say what
  let here: StoredManifest | undefined
  try {
    // a source named by digest holds that digest (content addressing): nothing to ask
    const pinned = src.dockerReference()?.digest
    here = pinned
      ? { digest: pinned, mediaType: '' }
      : await src.storedManifest?.(o.access.inContext(o.source), query(o.access, { role: 'pull' }))
  } catch {
    return undefined
  }
  if (!here?.digest) return undefined
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
 * manifest is read as the copy reads it). Asked cheaply first (storedManifest: a registry's HEAD,
 * no pull counted); only when that finds nothing is the manifest read, for the copy's own error.
 */
export async function sourceExists(
  src: ImageReference,
  opts: TransportOptions | undefined,
  access: RegistryAccess,
): Promise<void> {
  if (await src.storedManifest?.(access.inContext(opts), query(access, { role: 'pull' }))) return
  const s = await src.newImageSource(opts)
  try {
    await s.getManifest()
  } finally {
    await s.close().catch(() => {})
  }
}
