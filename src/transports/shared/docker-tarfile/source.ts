/**
 * An ImageSource over one image of a `docker save` archive. The archive has no registry manifest,
 * so one is generated (Docker schema2) from the config and the layer files: an uncompressed layer is
 * named by its DiffID, a gzip/zstd one by the sha256 of its bytes. An xz or bzip2 layer file (which
 * no registry manifest can name) is served decompressed under its DiffID, as containers/image serves
 * every compressed layer of an archive. The bytes are deterministic.
 */
import { Readable, pipeline } from 'node:stream'
import { decompressor } from '../../../compression/compression.js'
import { SkiffError } from '../../../errors.js'
import { digestOf, isValidDigest, newHasher, type Digest } from '../../../digest/digest.js'
import { MT } from '../../../manifest/media-types.js'
import type { ImageReference, ImageSource } from '../../types.js'
import type { BlobInfo, Platform } from '../../../manifest/types.js'
import { detectCompression } from './magic.js'
import type { ImageSelection, ManifestItem } from './manifest-json.js'
import type { TarfileReader } from './reader.js'
import type { TarEntry } from './tar-index.js'
import { MAX_CONFIG_SIZE } from '../../../util/limits.js'
import type { Signature } from '../../../signature/types.js'

interface Descriptor {
  mediaType: string
  size: number
  digest: Digest
}

interface ImageData {
  manifest: Buffer
  config: Buffer
  configDigest: Digest
  blobs: Map<Digest, LayerFile>
}

interface LayerFile {
  entry: TarEntry
  /** Served decompressed (xz, bzip2 layer files); `size` is then the decompressed size. */
  decompress?: 'xz' | 'bzip2'
  size: number
}

// Uncompressed layers are labelled .tar.gzip, exactly as containers/image's tarfile source does, so
// the generated manifest (and `inspect`) agree with skopeo byte for byte. The copy engine detects the
// real compression and writes an honest media type wherever the layer is stored as it is.
const LAYER_TYPE = { none: MT.DOCKER_LAYER_GZIP, gzip: MT.DOCKER_LAYER_GZIP, zstd: MT.DOCKER_LAYER_ZSTD } as const

export class TarfileSource implements ImageSource {
  private data: Promise<ImageData> | undefined

  constructor(
    readonly reference: ImageReference,
    private readonly reader: TarfileReader,
    private readonly item: ManifestItem,
    /** Close the reader with the source (false when the reader is shared). */
    private readonly ownsReader = true,
  ) {}

  /** Opens the image `sel` names in `reader`. */
  static async create(
    reference: ImageReference,
    reader: TarfileReader,
    sel: ImageSelection,
    platform?: Partial<Platform>,
    ownsReader = true,
  ): Promise<TarfileSource> {
    const { item } = await reader.chooseImage(sel, platform)
    return new TarfileSource(reference, reader, item, ownsReader)
  }

  private get image(): string {
    return this.reference.toString()
  }

  private load(): Promise<ImageData> {
    this.data ??= this.build()
    return this.data
  }

  private async build(): Promise<ImageData> {
    const image = this.image
    const config = await this.reader.readEntry(this.item.Config, 'image config', MAX_CONFIG_SIZE)
    let diffIDs: unknown
    try {
      diffIDs = (JSON.parse(config.toString('utf8')) as { rootfs?: { diff_ids?: unknown } }).rootfs?.diff_ids
    } catch (e) {
      throw new SkiffError('ERR_INVALID_LAYOUT', `${image}: image config "${this.item.Config}" is not valid JSON`, {
        image,
        cause: e,
      })
    }
    if (!Array.isArray(diffIDs) || !diffIDs.every((d) => typeof d === 'string' && isValidDigest(d))) {
      throw new SkiffError(
        'ERR_INVALID_LAYOUT',
        `${image}: image config "${this.item.Config}" has no valid rootfs.diff_ids`,
        { image },
      )
    }
    if (diffIDs.length !== this.item.Layers.length) {
      throw new SkiffError(
        'ERR_INVALID_LAYOUT',
        `${image}: inconsistent layer count: ${this.item.Layers.length} in manifest.json, ${diffIDs.length} in the config`,
        { image },
      )
    }
    const configDigest = digestOf(config)
    const blobs = new Map<Digest, LayerFile>()
    const layers: Descriptor[] = []
    for (let i = 0; i < diffIDs.length; i++) {
      const entry = this.reader.entry(this.item.Layers[i]!, 'layer')
      const head = await this.reader.readRange(entry.offset, Math.min(entry.size, 6))
      const compression = detectCompression(head)
      if (compression === 'xz' || compression === 'bzip2') {
        const diffID = diffIDs[i] as Digest
        const known = blobs.get(diffID)
        const size = known?.entry === entry ? known.size : await this.measureDecompressed(entry, compression, diffID)
        if (!known) blobs.set(diffID, { entry, decompress: compression, size })
        layers.push({ mediaType: LAYER_TYPE.none, size, digest: diffID })
        continue
      }
      const digest = compression === 'none' ? (diffIDs[i] as Digest) : await this.hashEntry(entry)
      const known = blobs.get(digest)
      if (known && known.entry !== entry && compression === 'none' && known.size !== entry.size) {
        throw new SkiffError('ERR_INVALID_LAYOUT', `${image}: two different layer files claim DiffID ${digest}`, {
          image,
        })
      }
      if (!known) blobs.set(digest, { entry, size: entry.size })
      layers.push({ mediaType: LAYER_TYPE[compression], size: entry.size, digest })
    }
    const manifestObj = {
      schemaVersion: 2,
      mediaType: MT.DOCKER_V2S2,
      config: { mediaType: MT.DOCKER_CONFIG, size: config.length, digest: configDigest },
      layers,
    }
    return { manifest: Buffer.from(JSON.stringify(manifestObj)), config, configDigest, blobs }
  }

  /** Decompresses a layer file once, for its size (the manifest needs it) and to check its DiffID. */
  private async measureDecompressed(entry: TarEntry, compression: 'xz' | 'bzip2', diffID: Digest): Promise<number> {
    const h = newHasher()
    let size = 0
    for await (const chunk of this.decompressedStream(entry, compression)) {
      h.update(chunk as Buffer)
      size += (chunk as Buffer).length
    }
    const actual: Digest = `sha256:${h.digest('hex')}`
    if (actual !== diffID) {
      throw new SkiffError(
        'ERR_DIGEST_MISMATCH',
        `${this.image}: layer "${entry.name}" decompresses to ${actual}, but the config names DiffID ${diffID}; the archive is corrupt`,
        { image: this.image },
      )
    }
    return size
  }

  private decompressedStream(entry: TarEntry, compression: 'xz' | 'bzip2', signal?: AbortSignal): Readable {
    const out = decompressor(compression, { what: `${this.image}: layer "${entry.name}"`, image: this.image })
    return pipeline(this.reader.openStream(entry, signal), out, () => {})
  }

  private async hashEntry(entry: TarEntry): Promise<Digest> {
    const h = newHasher()
    for await (const chunk of this.reader.openStream(entry)) h.update(chunk as Buffer)
    return `sha256:${h.digest('hex')}`
  }

  async getManifest(instance?: Digest): Promise<{ bytes: Buffer; mediaType: string }> {
    if (instance !== undefined) {
      throw new SkiffError(
        'ERR_UNSUPPORTED',
        `${this.image}: docker archives hold single-image manifests, not lists; there is no instance ${instance}`,
        { image: this.image },
      )
    }
    const d = await this.load()
    return { bytes: d.manifest, mediaType: MT.DOCKER_V2S2 }
  }

  async getBlob(info: BlobInfo, opts: { signal?: AbortSignal } = {}): Promise<{ stream: Readable; size: number }> {
    const d = await this.load()
    if (info.digest === d.configDigest) return { stream: Readable.from([d.config]), size: d.config.length }
    const layer = d.blobs.get(info.digest)
    if (!layer) {
      throw new SkiffError(
        'ERR_INVALID_ARGUMENT',
        `${this.image}: blob ${info.digest} is not part of this image in the archive`,
        { image: this.image },
      )
    }
    if (layer.decompress)
      return { stream: this.decompressedStream(layer.entry, layer.decompress, opts.signal), size: layer.size }
    return { stream: this.reader.openStream(layer.entry, opts.signal), size: layer.size }
  }

  async getSignatures(): Promise<Signature[]> {
    return []
  }

  async close(): Promise<void> {
    if (this.ownsReader) await this.reader.close()
  }
}
