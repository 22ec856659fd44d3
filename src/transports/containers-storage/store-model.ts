/**
 * What the store holds, as `containers-storage images --json` / `layers --json` print it (the
 * records of images.json and layers.json), and how a reference picks its image — containers/image
 * 5.23's resolveImage: an image carrying the exact name; else, for NAME@DIGEST, an image of the same
 * repository holding a manifest with that digest; else the ID. A named reference must match an image
 * of its repository.
 */
import { ImageNotFoundError } from '../../errors.js'
import { parseNormalizedReference } from '../../reference/docker-reference.js'
import { runStoreCliJson, type RunOptions } from './cli.js'
import type { ImageRecord, LayerRecord, StorageRef } from './types.js'
import type { Store } from './store-spec.js'

/** Big-data key of the manifest with `digest` (storage.ImageDigestManifestBigDataNamePrefix). */
export function manifestKey(digest: string): string {
  return `manifest-${digest}`
}

/** Big-data key of the signatures of the manifest with `digest` (c/image's signatureBigDataKey). */
export function signatureKey(digest: string): string {
  return `signature-${digest.slice(digest.indexOf(':') + 1)}`
}

export const DEFAULT_MANIFEST_KEY = 'manifest'

export async function listImages(store: Store, opts: RunOptions): Promise<ImageRecord[]> {
  return (await runStoreCliJson<ImageRecord[] | null>(store, ['images', '--json'], opts)) ?? []
}

export async function listLayers(store: Store, opts: RunOptions): Promise<LayerRecord[]> {
  return (await runStoreCliJson<LayerRecord[] | null>(store, ['layers', '--json'], opts)) ?? []
}

/** The manifest digests an image is known by (c/storage's Image.Digests). */
export function imageDigests(img: ImageRecord): string[] {
  const out = new Set<string>()
  if (img.digest) out.add(img.digest)
  const digests = img['big-data-digests'] ?? {}
  for (const name of img['big-data-names'] ?? []) {
    if (name === DEFAULT_MANIFEST_KEY || name.startsWith('manifest-')) {
      const d = digests[name]
      if (d) out.add(d)
    }
  }
  return [...out]
}

function matchesRepo(img: ImageRecord, repo: string): boolean {
  return (img.names ?? []).some((n) => {
    try {
      return parseNormalizedReference(n).name === repo
    } catch {
      return false
    }
  })
}

export function notResolved(ref: StorageRef): ImageNotFoundError {
  return new ImageNotFoundError(
    `reference "${ref.stringWithinTransport()}" does not resolve to an image ID: identifier is not an image`,
    { image: ref.toString() },
  )
}

/**
 * The image `ref` names (containers/image's resolveImage), or ImageNotFoundError with its message:
 * "does not resolve to an image ID" for a name, "image not known" for an ID, "identifier is not an
 * image" for an image of another repository.
 */
export function resolveImage(ref: StorageRef, images: ImageRecord[]): ImageRecord {
  let found: ImageRecord | undefined
  if (ref.id === undefined && ref.named) {
    const name = ref.named.toString()
    found = images.find((i) => (i.names ?? []).includes(name))
    if (!found && ref.named.digest !== undefined) {
      const d = ref.named.digest
      found = images.find((i) => imageDigests(i).includes(d) && matchesRepo(i, ref.named!.name))
    }
  }
  if (!found) {
    if (ref.id === undefined) throw notResolved(ref)
    found = images.find((i) => i.id === ref.id)
    if (!found)
      throw new ImageNotFoundError(`reading image "${ref.id}": locating image with ID "${ref.id}": image not known`, {
        image: ref.toString(),
      })
  }
  if (ref.named && !matchesRepo(found, ref.named.name))
    throw new ImageNotFoundError(
      `${ref.toString()}: identifier is not an image (no image of ${ref.named.name} has that ID)`,
      {
        image: ref.toString(),
      },
    )
  return found
}

/** The chain of layers from `top` down to the base, base first. */
export function layerChain(top: string | undefined, layers: LayerRecord[], image: string): LayerRecord[] {
  const byId = new Map(layers.map((l) => [l.id, l]))
  const chain: LayerRecord[] = []
  let id = top
  while (id) {
    const l = byId.get(id)
    if (!l) throw new ImageNotFoundError(`${image}: layer ${id} of the image is not in the store`, { image })
    chain.unshift(l)
    id = l.parent
    if (chain.length > 4096) throw new ImageNotFoundError(`${image}: the layer chain has a loop`, { image })
  }
  return chain
}
