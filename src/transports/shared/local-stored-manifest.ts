/**
 * ImageReference.storedManifest for local stores (dir:, oci:, registry-storage:): the manifest is
 * read through the transport's own source (a file read), its digest computed, and with `complete`
 * every blob it names is looked up with ImageSource.localBlobPath and its size checked.
 */
import { stat } from 'node:fs/promises'
import type { Digest } from '../../digest/digest.js'
import { isNotFound } from '../../errors.js'
import { manifestDigest, parseManifest, resolveMediaType } from '../../manifest/parse.js'
import type { BlobInfo } from '../../manifest/types.js'
import type { ImageReference, ImageSource, StoredManifest, StoredManifestQuery, TransportOptions } from '../types.js'

/**
 * Whether a local image is complete: every blob its manifest names (config and layers; for a list,
 * the instances that are there, and with allInstances every instance) exists with the size the
 * manifest gives. One stat per blob, no hashing (the copy that wrote them verified every digest; a
 * blob of the right size but corrupt content is not detected here).
 */
async function complete(
  src: ImageSource,
  bytes: Buffer,
  mediaType: string,
  allInstances: boolean,
  depth = 0,
): Promise<boolean> {
  const localPath = src.localBlobPath?.bind(src)
  if (!localPath) return true // not a local store (nothing to stat)
  const m = parseManifest(bytes, mediaType)
  const blobs: BlobInfo[] =
    m.kind === 'image'
      ? [m.config, ...m.layers]
      : m.kind === 'schema1'
        ? m.fsLayers.map((l) => ({ digest: l.blobSum as Digest, size: -1 }))
        : []
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
      // index-only and platform lists store only some instances (or none); allInstances needs each one
      if (isNotFound(err) || (err as { code?: string }).code === 'ERR_IMAGE_NOT_FOUND') {
        if (allInstances) return false
        continue
      }
      throw err
    }
    const mt = resolveMediaType(child.bytes, child.mediaType || e.mediaType || undefined)
    if (manifestDigest(child.bytes, mt) !== e.digest) return false
    if (!(await complete(src, child.bytes, mt, allInstances, depth + 1))) return false
  }
  return true
}

/** The manifest stored at a local image, or undefined when there is none (or it is unreadable, or incomplete with `complete`). */
export async function localStoredManifest(
  ref: ImageReference,
  opts: TransportOptions | undefined,
  query: StoredManifestQuery,
): Promise<StoredManifest | undefined> {
  let src
  try {
    src = await ref.newImageSource(opts)
  } catch {
    return undefined
  }
  try {
    const m = await src.getManifest()
    const mediaType = resolveMediaType(m.bytes, m.mediaType || undefined)
    if (query.complete && !(await complete(src, m.bytes, mediaType, query.complete.allInstances))) return undefined
    return { digest: manifestDigest(m.bytes, mediaType), mediaType }
  } catch {
    return undefined
  } finally {
    await src.close().catch(() => {})
  }
}
