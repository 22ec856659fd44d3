/**
 * `sync --src registry-storage --dest registry-storage` ("select"): each image is resolved in the
 * source store and written into the destination store by hardlinks (transports/registry-storage/
 * select.ts), with no engine in between; every tag is written once all images are in place. An image
 * that needs the engine (a list without --all: skopeo copies one instance of it; conversions asked
 * for with --format) is left to it.
 */
import { RegistryStorageReference } from '../../transports/registry-storage/transport.js'
import { resolveStoredImage } from '../../transports/registry-storage/stored-image.js'
import { StoreSelectWriter } from '../../transports/registry-storage/select.js'
import type { CopyOptions } from '../../copy/options.js'
import { SkiffError } from '../../errors.js'
import type { SyncBatch, SyncBatchContext, SyncBatchResult, SyncItem } from '../types.js'

/** Whether the engine would change nothing an image is made of (so hardlinks are the copy). */
export function copiesAsStored(copy: Pick<CopyOptions, 'format' | 'compression'>): boolean {
  const c = copy.compression
  return copy.format === undefined && (c === undefined || ((c.mode ?? 'preserve') === 'preserve' && !c.format))
}

export function storeSelectBatch(copy: Pick<CopyOptions, 'format' | 'compression' | 'multiArch'>): SyncBatch {
  const writers = new Map<string, StoreSelectWriter>()
  const all = copy.multiArch === 'all'
  const asStored = copiesAsStored(copy)
  return {
    async copy(item: SyncItem, ctx: SyncBatchContext): Promise<SyncBatchResult | undefined> {
      const { source, destination } = item
      if (!asStored || !(source instanceof RegistryStorageReference)) return undefined
      if (!(destination instanceof RegistryStorageReference) || destination.sel.tag === undefined) return undefined
      const img = resolveStoredImage(source.resolvedRoot, source.name, source.sel, source.toString())
      if (img.isList && !all) return undefined
      const target = { ...img, name: destination.name, tag: destination.sel.tag }
      let w = writers.get(destination.resolvedRoot)
      if (!w) writers.set(destination.resolvedRoot, (w = new StoreSelectWriter(destination.resolvedRoot)))
      const total = [...img.blobs, ...img.manifests].reduce((n, b) => n + b.size, 0)
      if (!ctx.force && w.holds(target)) return { result: 'present', digest: img.top, bytesCopied: 0, bytesReused: 0 }
      if (ctx.dryRun) return { result: 'dry-run', digest: img.top, bytesCopied: 0, bytesReused: 0 }
      await ctx.checkPolicy()
      let r
      try {
        r = w.add(target)
      } catch (e) {
        if (typeof (e as NodeJS.ErrnoException).errno !== 'number') throw e
        throw new SkiffError(
          'ERR_IO',
          `writing ${destination.toString()}: ${(e as Error).message}; the output must be a registry storage folder this user may write`,
          { cause: e, image: destination.toString() },
        )
      }
      for (const b of img.blobs)
        ctx.onEvent({ type: 'blob-done', kind: 'layer', digest: b.digest, size: b.size, reused: true })
      return { result: 'copied', digest: img.top, bytesCopied: r.bytesCopied, bytesReused: total - r.bytesCopied }
    },
    async finish(): Promise<void> {
      // the images that were copied become visible even when others failed (as engine copies do)
      for (const w of writers.values()) w.publishTags()
    },
    async discard(): Promise<void> {
      // aborted: no tag is written; blobs and links stay (unreferenced, as distribution leaves them)
      writers.clear()
    },
  }
}
