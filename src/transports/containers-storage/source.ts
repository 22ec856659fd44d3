/**
 * Reading an image from a containers-storage store, as containers/image 5.23's storage source:
 * manifests and the config are the image's big-data items (the manifest as stored, byte for byte);
 * layers are served as their uncompressed tars (`containers-storage diff -u`, reassembled from the
 * layer's tar-split data, so the bytes hash to the diff ID), under the diff IDs
 * (layerInfosForCopy), which is why a copy out of the store rewrites the manifest — exactly as
 * skopeo's does. Each layer is written to a temp file first and streamed from there, so the store's
 * read lock (held by the program) is not kept while a slow destination reads (as containers/image).
 */
import { parseStoredSignature } from '../../signature/blob.js'
import type { Signature } from '../../signature/types.js'
import { createReadStream } from 'node:fs'
import { rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { ImageNotFoundError, SkiffError } from '../../errors.js'
import type { Digest } from '../../digest/digest.js'
import { parseManifest } from '../../manifest/parse.js'
import { MT } from '../../manifest/media-types.js'
import type { BlobInfo } from '../../manifest/types.js'
import { MAX_MANIFEST_SIZE, MAX_SIGNATURE_SIZE, sizeLimitError } from '../../util/limits.js'
import { registerTempPath, unregisterTempPath } from '../../util/cleanup.js'
import { makeTempDir } from '../../util/temp-owner.js'
import type { ImageSource, TransportOptions } from '../types.js'
import { runStoreCli, type RunOptions } from './cli.js'
import type { ImageRecord, LayerRecord, StorageRef } from './types.js'
import {
  DEFAULT_MANIFEST_KEY,
  resolveImage,
  layerChain,
  listImages,
  listLayers,
  manifestKey,
  notResolved,
  signatureKey,
} from './store-model.js'

/** Big-data items other than manifests and signatures (the config) read into memory: 16 MiB. */
const MAX_BIG_DATA = 16 * 1024 * 1024

interface SignatureMetadata {
  'signature-sizes'?: number[]
  'signatures-sizes'?: Record<string, number[]>
}

/** Fails clearly when the graph root is not there (reading must never create a store). */
export async function requireStore(ref: StorageRef): Promise<void> {
  try {
    const st = await stat(ref.store.graphRoot)
    if (st.isDirectory()) return
  } catch {
    // below
  }
  throw new ImageNotFoundError(
    `${notResolved(ref).message} (there is no store at ${ref.store.graphRoot}; nothing was created there)`,
    { image: ref.toString() },
  )
}

class StorageImageSource implements ImageSource {
  private layers: LayerRecord[] | undefined
  private tempDir: Promise<string> | undefined
  private n = 0

  constructor(
    readonly reference: StorageRef,
    private readonly image: ImageRecord,
    private readonly opts: TransportOptions,
  ) {}

  private get name(): string {
    return this.reference.toString()
  }

  private run(signal?: AbortSignal): RunOptions {
    return { image: this.name, signal: signal ?? this.opts.signal }
  }

  private has(key: string): boolean {
    return (this.image['big-data-names'] ?? []).includes(key)
  }

  private async bigData(key: string, limit: number, what: string): Promise<Buffer> {
    const size = this.image['big-data-sizes']?.[key]
    if (size !== undefined && size > limit) throw sizeLimitError(`${this.name}: ${what}`, limit, 'ERR_IO', this.name)
    const out = await runStoreCli(this.reference.store, ['get-image-data', this.image.id, key], this.run())
    if (out.length > limit) throw sizeLimitError(`${this.name}: ${what}`, limit, 'ERR_IO', this.name)
    return out
  }

  async getManifest(instance?: Digest): Promise<{ bytes: Buffer; mediaType: string; digest?: Digest }> {
    if (instance !== undefined) {
      const key = manifestKey(instance)
      if (!this.has(key))
        throw new ImageNotFoundError(`${this.name}: reading manifest for image instance "${instance}": not stored`, {
          image: this.name,
        })
      return { bytes: await this.bigData(key, MAX_MANIFEST_SIZE, 'manifest'), mediaType: '', digest: instance }
    }
    const wanted = this.reference.named?.digest
    const key = wanted !== undefined && this.has(manifestKey(wanted)) ? manifestKey(wanted) : DEFAULT_MANIFEST_KEY
    if (!this.has(key))
      throw new ImageNotFoundError(`${this.name}: image ${this.image.id} has no manifest stored`, {
        image: this.name,
      })
    const bytes = await this.bigData(key, MAX_MANIFEST_SIZE, 'manifest')
    const claimed = key === DEFAULT_MANIFEST_KEY ? this.image['big-data-digests']?.[key] : wanted
    return { bytes, mediaType: '', ...(claimed ? { digest: claimed } : {}) }
  }

  private async storeLayers(): Promise<LayerRecord[]> {
    this.layers ??= await listLayers(this.reference.store, this.run())
    return this.layers
  }

  async layerInfosForCopy(instance?: Digest): Promise<BlobInfo[] | undefined> {
    const { bytes } = await this.getManifest(instance)
    const m = parseManifest(bytes, '', this.name)
    if (m.kind !== 'image')
      throw new SkiffError(
        'ERR_UNSUPPORTED',
        `${this.name}: copying a ${m.kind === 'list' ? 'manifest list' : 'schema1 image'} out of containers-storage is not supported`,
        { image: this.name },
      )
    const type = m.mediaType === MT.OCI_MANIFEST ? MT.OCI_LAYER_TAR : MT.DOCKER_LAYER_TAR
    const chain = layerChain(this.image.layer, await this.storeLayers(), this.name)
    return chain.map((l) => {
      const digest = l['diff-digest']
      const size = l['diff-size']
      if (!digest || size === undefined || size < 0)
        throw new SkiffError('ERR_IO', `${this.name}: the uncompressed digest or size of layer ${l.id} is unknown`, {
          image: this.name,
        })
      return { digest, size, mediaType: type }
    })
  }

  private temp(): Promise<string> {
    this.tempDir ??= makeTempDir(this.opts.tmpdir, 'skiff-cstorage').then((d) => {
      registerTempPath(d)
      return d
    })
    return this.tempDir
  }

  async getBlob(info: BlobInfo, opts: { signal?: AbortSignal } = {}): Promise<{ stream: Readable; size: number }> {
    const layers = await this.storeLayers()
    const chain = layerChain(this.image.layer, layers, this.name)
    const layer =
      chain.find((l) => l['diff-digest'] === info.digest) ?? layers.find((l) => l['diff-digest'] === info.digest)
    if (layer) {
      const file = join(await this.temp(), `layer-${++this.n}.tar`)
      await runStoreCli(this.reference.store, ['diff', '-u', '-f', file, layer.id], this.run(opts.signal))
      const stream = createReadStream(file)
      const remove = (): void => void rm(file, { force: true }).catch(() => undefined)
      stream.on('close', remove)
      return { stream, size: layer['diff-size'] ?? -1 }
    }
    if (this.has(info.digest)) {
      const bytes = await this.bigData(info.digest, MAX_BIG_DATA, `blob ${info.digest}`)
      return { stream: Readable.from([bytes]), size: bytes.length }
    }
    throw new ImageNotFoundError(`${this.name}: blob ${info.digest} is not in the store`, { image: this.name })
  }

  async getSignatures(instance?: Digest): Promise<Signature[]> {
    let meta: SignatureMetadata = {}
    if (this.image.metadata) {
      try {
        meta = JSON.parse(this.image.metadata) as SignatureMetadata
      } catch (e) {
        throw new SkiffError('ERR_IO', `${this.name}: decoding metadata for source image: ${(e as Error).message}`, {
          image: this.name,
          cause: e,
        })
      }
    }
    const sizes =
      instance === undefined ? (meta['signature-sizes'] ?? []) : (meta['signatures-sizes']?.[instance] ?? [])
    if (sizes.length === 0) return []
    const key = instance === undefined ? 'signatures' : signatureKey(instance)
    const blob = await this.bigData(key, MAX_SIGNATURE_SIZE * Math.max(1, sizes.length), 'signatures')
    const out: Signature[] = []
    let offset = 0
    for (const [i, n] of sizes.entries()) {
      if (offset + n > blob.length)
        throw new SkiffError('ERR_IO', `${this.name}: the stored signatures are shorter than their recorded sizes`, {
          image: this.name,
        })
      // each stored as containers/image's signature blob (signature.Blob), as in dir:
      out.push(parseStoredSignature(blob.subarray(offset, offset + n), `${i + 1} of ${key}`, this.name))
      offset += n
    }
    if (offset !== blob.length)
      throw new SkiffError('ERR_IO', `${this.name}: signatures data contained ${blob.length - offset} extra bytes`, {
        image: this.name,
      })
    return out
  }

  async close(): Promise<void> {
    const dir = await this.tempDir?.catch(() => undefined)
    if (dir === undefined) return
    await rm(dir, { recursive: true, force: true })
    unregisterTempPath(dir)
  }
}

export async function openStorageSource(reference: StorageRef, opts: TransportOptions): Promise<ImageSource> {
  await requireStore(reference)
  const images = await listImages(reference.store, { image: reference.toString(), signal: opts.signal })
  const ref = reference.expand(images)
  const image = resolveImage(ref, images)
  return new StorageImageSource(ref, image, opts)
}
