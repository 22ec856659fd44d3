/**
 * Test helpers for the filesystem transports: copy an image through the ImageSource /
 * ImageDestination interfaces (blobs → manifests → commit), with no conversion, and hash what a
 * source returns. Not the copy engine: just enough to drive a source or destination end to end.
 */
import { createHash } from 'node:crypto'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { parseManifest } from '../../../src/manifest/parse.js'
import type { ImageDestination, ImageSource } from '../../../src/transports/types.js'

export async function sha256OfStream(s: Readable): Promise<{ digest: string; size: number }> {
  const h = createHash('sha256')
  let size = 0
  for await (const c of s) {
    h.update(c as Buffer)
    size += (c as Buffer).length
  }
  return { digest: 'sha256:' + h.digest('hex'), size }
}

/** Every blob an image (or each image of a list) refers to, with the manifests of list instances. */
export async function collect(
  src: ImageSource,
): Promise<{ top: Buffer; topType: string; instances: Map<string, Buffer>; blobs: Map<string, number> }> {
  const { bytes: top, mediaType: topType } = await src.getManifest()
  const instances = new Map<string, Buffer>()
  const blobs = new Map<string, number>()
  const addImage = (bytes: Buffer): void => {
    const m = parseManifest(bytes, '')
    if (m.kind !== 'image') throw new Error('expected an image manifest')
    for (const b of [m.config, ...m.layers]) blobs.set(b.digest, b.size)
  }
  const m = parseManifest(top, topType)
  if (m.kind === 'list') {
    for (const e of m.manifests) {
      const { bytes } = await src.getManifest(e.digest)
      instances.set(e.digest, bytes)
      addImage(bytes)
    }
  } else addImage(top)
  return { top, topType, instances, blobs }
}

/** Copies src → dest through the interfaces, byte for byte, and commits. */
export async function copyThrough(src: ImageSource, dest: ImageDestination): Promise<void> {
  const { top, topType, instances, blobs } = await collect(src)
  for (const [digest, size] of blobs) {
    if (await dest.tryReusingBlob({ digest, size })) continue
    const { stream } = await src.getBlob({ digest, size })
    const stored = await dest.putBlob(stream, { digest, size })
    if (stored.digest !== digest || stored.size !== size)
      throw new Error(`stored ${stored.digest}/${stored.size}, expected ${digest}/${size}`)
  }
  for (const [digest, bytes] of instances) await dest.putManifest(bytes, '', digest)
  await dest.putManifest(top, topType)
  const sigs = await src.getSignatures()
  if (dest.properties.supportsSignatures) await dest.putSignatures(sigs)
  await dest.commit()
}

/** Every entry name under `dir`, recursively (relative paths), sorted. */
export async function listTree(dir: string): Promise<string[]> {
  const out: string[] = []
  const walk = async (rel: string): Promise<void> => {
    for (const e of await readdir(join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name
      out.push(r)
      if (e.isDirectory()) await walk(r)
    }
  }
  await walk('')
  return out.sort()
}
