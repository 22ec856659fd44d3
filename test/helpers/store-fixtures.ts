/**
 * Fills a docker/distribution 2.8 filesystem store directly (blob `data` files and link files as a
 * registry push leaves them), independent of skiff's writer: tests and the bench get big stores
 * without pushing every image over HTTP, and what skiff reads is not what skiff wrote.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { buildImage, smallImage, type BuiltImage, type LayerSpec } from './fixtures.js'
import { SEED_IMAGES } from './seed-images.js'

const V2 = 'docker/registry/v2'

function put(path: string, bytes: Buffer | string): void {
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, bytes)
}

function blob(root: string, digest: string, bytes: Buffer): void {
  const hex = digest.slice(7)
  put(join(root, V2, 'blobs', 'sha256', hex.slice(0, 2), hex, 'data'), bytes)
}

function link(path: string, digest: string): void {
  put(join(path, 'sha256', digest.slice(7), 'link'), digest)
}

/** Stores `img` as `name:tag` (blobs, `_layers`, revision, tag index and current links). */
export function writeStoreImage(root: string, name: string, tag: string, img: BuiltImage): void {
  const repo = join(root, V2, 'repositories', ...name.split('/'))
  for (const l of img.layers) {
    blob(root, l.digest, l.bytes)
    link(join(repo, '_layers'), l.digest)
  }
  blob(root, img.configDigest, img.config)
  link(join(repo, '_layers'), img.configDigest)
  blob(root, img.manifestDigest, img.manifest)
  link(join(repo, '_manifests', 'revisions'), img.manifestDigest)
  link(join(repo, '_manifests', 'tags', tag, 'index'), img.manifestDigest)
  put(join(repo, '_manifests', 'tags', tag, 'current', 'link'), img.manifestDigest)
  mkdirSync(join(repo, '_uploads'), { recursive: true })
}

export interface SeedStore {
  /** `name:tag` of every image, in list order. */
  images: string[]
  /** `name:tag` → the manifest digest stored. */
  digests: Map<string, string>
  /** The shared base layers' total size. */
  baseBytes: number
}

/**
 * A store of `names` (default: the seed's 143 images): every image has the same `base` layers plus
 * one small layer of its own (`ownBytes` of text), so the blobs are deterministic and the base is
 * shared by all.
 */
export async function writeSeedStore(
  root: string,
  opts: { names?: readonly string[]; base?: LayerSpec[]; ownBytes?: number } = {},
): Promise<SeedStore> {
  const names = opts.names ?? SEED_IMAGES
  const base = opts.base ?? [{ files: { 'etc/base': 'shared base layer\n' } }]
  const digests = new Map<string, string>()
  let baseBytes = 0
  for (const [i, image] of names.entries()) {
    const colon = image.lastIndexOf(':')
    const own = `image ${i} ${image}\n`.repeat(Math.max(1, Math.ceil((opts.ownBytes ?? 0) / 40)))
    const img = await buildImage(smallImage(`img${i}`, { layers: [...base, { files: { [`own/${i}`]: own } }] }))
    writeStoreImage(root, image.slice(0, colon), image.slice(colon + 1), img)
    digests.set(image, img.manifestDigest)
    if (i === 0) baseBytes = img.layers.slice(0, base.length).reduce((n, l) => n + l.size, 0)
  }
  return { images: [...names], digests, baseBytes }
}
