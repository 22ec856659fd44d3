/** `skopeo delete containers-storage:…`: the image and the layers no other image or container uses. */
import type { TransportOptions } from '../types.js'
import { runStoreCli } from './cli.js'
import type { StorageRef } from './types.js'
import { requireStore } from './source.js'
import { resolveImage, listImages } from './store-model.js'

export async function deleteStorageImage(reference: StorageRef, opts: TransportOptions): Promise<void> {
  await requireStore(reference)
  const run = { image: reference.toString(), signal: opts.signal }
  const images = await listImages(reference.store, run)
  const ref = reference.expand(images)
  const image = resolveImage(ref, images)
  await runStoreCli(reference.store, ['delete-image', image.id], run)
}
