/**
 * `sync --src registry-storage --dest registry-storage-archive STORE OUT.tar`: the selected images
 * streamed straight from the store into one release bundle (transports/registry-storage-archive/
 * writer.ts), each blob once, hashed on the way; no hardlink farm, no temp copy. Images are taken
 * in plan order (the calls queue up in the order runSync makes them), so the same store and list
 * give the same bytes. The bundle appears under OUT only when every image is in it (with
 * --keep-going: the images that could be read).
 */
import { createReadStream, readFileSync } from 'node:fs'
import { Readable } from 'node:stream'
import { SkiffError } from '../../errors.js'
import { RegistryStorageReference } from '../../transports/registry-storage/transport.js'
import { resolveStoredImage } from '../../transports/registry-storage/stored-image.js'
import { BundleReference } from '../../transports/registry-storage-archive/transport.js'
import { BundleWriter } from '../../transports/registry-storage-archive/writer.js'
import { BLOB_READ_CHUNK } from '../../util/io.js'
import type { CopyOptions } from '../../copy/options.js'
import type { SyncBatch, SyncBatchContext, SyncBatchResult, SyncItem } from '../types.js'
import { copiesAsStored } from './registry-storage-batch.js'

export function bundleBatch(copy: Pick<CopyOptions, 'format' | 'compression'>): SyncBatch {
  if (!copiesAsStored(copy))
    throw new SkiffError(
      'ERR_UNSUPPORTED',
      'a release bundle holds the images as the store holds them: --format and compression options cannot be used with --dest registry-storage-archive',
    )
  let writer: Promise<BundleWriter> | undefined
  let queue: Promise<unknown> = Promise.resolve()
  const one = async (item: SyncItem, ctx: SyncBatchContext): Promise<SyncBatchResult> => {
    const { source, destination } = item
    if (!(source instanceof RegistryStorageReference) || !(destination instanceof BundleReference))
      throw new SkiffError('ERR_UNSUPPORTED', `${source.toString()}: a bundle is written from a registry store only`)
    const img = resolveStoredImage(source.resolvedRoot, source.name, source.sel, source.toString())
    if (ctx.dryRun) return { result: 'dry-run', digest: img.top, bytesCopied: 0, bytesReused: 0 }
    await ctx.checkPolicy()
    writer ??= BundleWriter.create(destination.path)
    const w = await writer
    let copied = 0
    let reused = 0
    for (const b of [...img.blobs, ...img.manifests]) {
      if (w.has(b.digest)) {
        reused += b.size
        continue
      }
      ctx.signal?.throwIfAborted()
      ctx.onEvent({ type: 'blob-start', kind: 'layer', digest: b.digest, size: b.size })
      let sent = 0
      // a small blob in one read (one buffer of its size, not a 1 MiB read buffer per file)
      const data =
        b.size <= BLOB_READ_CHUNK
          ? Readable.from([readFileSync(b.path)])
          : createReadStream(b.path, { highWaterMark: BLOB_READ_CHUNK })
      await w.addBlob(b.digest, b.size, data, {
        what: `${source.toString()}: blob ${b.digest} (${b.path})`,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        onBytes: (n) => ctx.onEvent({ type: 'blob-progress', digest: b.digest, bytes: (sent += n) }),
      })
      ctx.onEvent({ type: 'blob-done', kind: 'layer', digest: b.digest, size: b.size, reused: false })
      copied += b.size
    }
    w.addImage({
      name: destination.name,
      tag: destination.sel.tag,
      top: img.top,
      manifests: img.manifests.map((m) => m.digest),
      blobs: img.blobs.map((b) => b.digest),
    })
    return { result: 'copied', digest: img.top, bytesCopied: copied, bytesReused: reused }
  }
  return {
    copy(item, ctx) {
      // queued synchronously: images enter the bundle in plan order whatever --jobs says
      const run = queue.then(() => one(item, ctx))
      queue = run.catch(() => undefined)
      return run
    },
    async finish({ complete, keepGoing }) {
      await queue
      // a bundle that could not even be created has already failed every image
      const w = await writer?.catch(() => undefined)
      if (!w) return
      if (!complete && !keepGoing) return void (await w.discard())
      if (w.stats.images === 0) return void (await w.discard())
      await w.finish()
    },
    async discard() {
      await queue
      await (await writer?.catch(() => undefined))?.discard()
    },
  }
}
