/**
 * Writing an image into a containers-storage store, as containers/image 5.23's storage destination
 * does, through containers/storage's own program:
 *
 * - blobs are staged in a temp folder (owner-tagged, under --tmpdir) as they arrive, verified by the
 *   engine; nothing touches the store before commit;
 * - commit applies the layers in order with `import-layer --readonly --id ID [PARENT]`, ID being
 *   containers/image's chain ID (the diff ID's hex for the base, then sha256(PARENT + "+" +
 *   DIFFID-HEX)); a layer already in the store under that ID is reused. The program decompresses,
 *   applies (overlay: diff/ with whiteout devices and opaque xattrs; vfs: a full copy), records the
 *   tar-split, both digests and sizes, and marks the layer incomplete until it is done. The diff ID
 *   it computed must equal the config's (else the layer is removed and the copy fails);
 * - then the image record, its big-data items and its name, in one detached script
 *   (commit-script.ts) that finishes even if skiff is killed. The image ID is the config digest's
 *   hex, the manifest is stored byte for byte under `manifest-DIGEST` and `manifest`.
 *
 * close() without commit removes the staging folder. Layers imported by a commit that failed later
 * stay in the store, unreferenced and content-addressed by their chain ID, as containers/image
 * leaves them (the next copy of the same layers reuses them; `podman image prune` does not see them,
 * `containers-storage delete-layer` removes them).
 */
import { signatureToBlob } from '../../signature/blob.js'
import type { Signature } from '../../signature/types.js'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { DigestMismatchError, SkiffError } from '../../errors.js'
import { digestHex, digestOf, type Digest } from '../../digest/digest.js'
import { manifestDigest, parseManifest } from '../../manifest/parse.js'
import { MT } from '../../manifest/media-types.js'
import type { BlobInfo } from '../../manifest/types.js'
import { MAX_CONFIG_SIZE } from '../../util/limits.js'
import { registerTempPath, unregisterTempPath } from '../../util/cleanup.js'
import { makeTempDir, uniqueTempTag } from '../../util/temp-owner.js'
import { StagedDestination } from '../shared/staged-destination.js'
import type { DestinationProperties, PutBlobOptions, ReuseOptions, TransportOptions } from '../types.js'
import { CliError, runStoreCli, runStoreCliJson, type RunOptions } from './cli.js'
import { runCommit, type BigDataItem } from './commit-script.js'
import type { LayerRecord, StorageRef } from './types.js'
import { DEFAULT_MANIFEST_KEY, listImages, listLayers, manifestKey, signatureKey } from './store-model.js'

interface Staged {
  file: string
  size: number
}

class StorageImageDestination extends StagedDestination {
  readonly properties: DestinationProperties = {
    // containers/image also stores schema1 as it is; skiff converts it to schema2 (see the README).
    supportedManifestMediaTypes: [MT.OCI_MANIFEST, MT.DOCKER_V2S2],
    desiredLayerCompression: 'preserve',
    supportsMultiImage: false,
    acceptsForeignLayerURLs: false,
    hasThreadSafePutBlob: true,
    supportsSignatures: true,
  }

  private readonly staged = new Map<Digest, Staged>()
  /** Blobs found in the store (tryReusingBlob): digest → the layer holding that content. */
  private readonly reusedLayers = new Map<Digest, LayerRecord>()
  private manifest: { bytes: Buffer; digest: Digest } | undefined
  private signatures: { blob: Buffer; sizes: number[] } | undefined

  constructor(
    override readonly reference: StorageRef,
    private readonly dir: string,
    private layers: LayerRecord[],
    private readonly opts: TransportOptions,
  ) {
    super(reference)
  }

  private run(): RunOptions {
    return { image: this.image, signal: this.opts.signal }
  }

  private tempFile(what: string): string {
    return join(this.dir, `${what}-${uniqueTempTag()}.tmp`)
  }

  tryReusingBlob(info: BlobInfo, _opts?: ReuseOptions): Promise<BlobInfo | undefined> {
    const staged = this.staged.get(info.digest)
    if (staged) return Promise.resolve({ ...info, size: staged.size })
    const byDiff = this.layers.find((l) => l['diff-digest'] === info.digest && l['diff-size'] !== undefined)
    if (byDiff) {
      this.reusedLayers.set(info.digest, byDiff)
      return Promise.resolve({ ...info, size: byDiff['diff-size']! })
    }
    const byCompressed = this.layers.find(
      (l) => l['compressed-diff-digest'] === info.digest && l['compressed-size'] !== undefined,
    )
    if (byCompressed) {
      this.reusedLayers.set(info.digest, byCompressed)
      return Promise.resolve({ ...info, size: byCompressed['compressed-size']! })
    }
    return Promise.resolve(undefined)
  }

  async putBlob(stream: Readable, info: BlobInfo, opts: PutBlobOptions = {}): Promise<BlobInfo> {
    this.assertOpen('putBlob')
    const written = await this.writeBlob(this.tempFile('blob'), stream, info, opts, this.dir, (d) =>
      join(this.dir, `blob-${digestHex(d)}`),
    )
    this.staged.set(written.digest, { file: join(this.dir, `blob-${digestHex(written.digest)}`), size: written.size })
    return written
  }

  putManifest(bytes: Buffer, mediaType: string, instance?: Digest): Promise<void> {
    this.assertOpen('putManifest')
    if (instance !== undefined)
      return Promise.reject(
        new SkiffError('ERR_UNSUPPORTED', `${this.image}: containers-storage stores one image per name, not a list`, {
          image: this.image,
        }),
      )
    const digest = manifestDigest(bytes, mediaType)
    this.manifest = { bytes: Buffer.from(bytes), digest }
    this.topManifest = { digest, mediaType, size: bytes.length }
    return Promise.resolve()
  }

  putSignatures(signatures: Signature[], instance?: Digest): Promise<void> {
    this.assertOpen('putSignatures')
    if (instance !== undefined) return Promise.resolve()
    const blobs = signatures.map(signatureToBlob)
    this.signatures = { blob: Buffer.concat(blobs), sizes: blobs.map((s) => s.length) }
    return Promise.resolve()
  }

  /** The config's diff IDs, one per layer. */
  private async diffIDs(configDigest: Digest, layerCount: number): Promise<Digest[]> {
    const staged = this.staged.get(configDigest)
    if (!staged) throw new SkiffError('ERR_IO', `${this.image}: the image config was not stored`, { image: this.image })
    if (staged.size > MAX_CONFIG_SIZE)
      throw new SkiffError('ERR_MANIFEST_INVALID', `${this.image}: the config is too large`, { image: this.image })
    const bytes = await readFile(staged.file)
    let ids: unknown
    try {
      ids = (JSON.parse(bytes.toString('utf8')) as { rootfs?: { diff_ids?: unknown } }).rootfs?.diff_ids
    } catch (e) {
      throw new SkiffError('ERR_MANIFEST_INVALID', `${this.image}: the config is not JSON`, {
        image: this.image,
        cause: e,
      })
    }
    if (!Array.isArray(ids) || ids.length !== layerCount || ids.some((d) => typeof d !== 'string'))
      throw new SkiffError(
        'ERR_MANIFEST_INVALID',
        `${this.image}: the config lists ${Array.isArray(ids) ? ids.length : 'no'} diff IDs for ${layerCount} layers`,
        { image: this.image },
      )
    return ids as Digest[]
  }

  /** A file with the uncompressed content of a layer found in the store (for a new chain position). */
  private async exportLayer(layer: LayerRecord): Promise<string> {
    const file = this.tempFile('layer')
    await runStoreCli(this.reference.store, ['diff', '-u', '-f', file, layer.id], this.run())
    return file
  }

  private async importLayer(id: string, parent: string, file: string, diffID: Digest): Promise<void> {
    const args = ['import-layer', '--json', '--readonly', '--id', id, '--file', file]
    if (parent) args.push(parent)
    let created: LayerRecord
    try {
      created = await runStoreCliJson<LayerRecord>(this.reference.store, args, this.run())
    } catch (e) {
      // Another writer (podman) may have created the same layer meanwhile: same ID, same content.
      if (e instanceof CliError && /already in use/.test(e.detail)) {
        this.layers = await listLayers(this.reference.store, this.run())
        if (this.layers.some((l) => l.id === id)) return
      }
      throw e
    }
    if (created['diff-digest'] !== diffID) {
      await runStoreCli(this.reference.store, ['delete-layer', id], this.run()).catch(() => undefined)
      throw new DigestMismatchError(diffID, created['diff-digest'] ?? '(none)', `${this.image}: diff ID of layer ${id}`)
    }
    this.layers.push(created)
  }

  /** Stores the layers in order; returns the top layer's ID. */
  private async commitLayers(layerInfos: BlobInfo[], diffIDs: Digest[]): Promise<string> {
    let parent = ''
    for (const [i, info] of layerInfos.entries()) {
      const diffID = diffIDs[i]!
      const id = parent === '' ? digestHex(diffID) : digestHex(digestOf(`${parent}+${digestHex(diffID)}`))
      if (!this.layers.some((l) => l.id === id)) {
        const staged = this.staged.get(info.digest)
        const reused = this.reusedLayers.get(info.digest)
        if (staged) await this.importLayer(id, parent, staged.file, diffID)
        else if (reused) {
          if (reused['diff-digest'] !== diffID)
            throw new DigestMismatchError(
              diffID,
              reused['diff-digest'] ?? '(none)',
              `${this.image}: layer ${info.digest}`,
            )
          const file = await this.exportLayer(reused)
          try {
            await this.importLayer(id, parent, file, diffID)
          } finally {
            await rm(file, { force: true })
          }
        } else
          throw new SkiffError('ERR_IO', `${this.image}: layer ${info.digest} was not stored`, { image: this.image })
      }
      parent = id
    }
    return parent
  }

  protected async publish(): Promise<void> {
    const manifest = this.manifest
    if (!manifest) this.requireTopManifest()
    const { bytes, digest } = manifest!
    const named = this.reference.named
    if (named?.digest !== undefined && named.digest !== digest)
      throw new SkiffError(
        'ERR_DIGEST_MISMATCH',
        `${this.image}: Manifest to be saved does not match expected digest ${named.digest}`,
        {
          image: this.image,
        },
      )
    const m = parseManifest(bytes, '', this.image)
    if (m.kind !== 'image')
      throw new SkiffError('ERR_UNSUPPORTED', `${this.image}: only single images can be stored`, { image: this.image })
    if (m.layers.length === 0)
      throw new SkiffError('ERR_UNSUPPORTED', `${this.image}: an image without layers cannot be stored`, {
        image: this.image,
      })
    const diffIDs = await this.diffIDs(m.config.digest, m.layers.length)
    const top = await this.commitLayers(m.layers, diffIDs)

    const id = this.reference.id ?? digestHex(m.config.digest)
    const images = await listImages(this.reference.store, this.run())
    const existing = images.find((i) => i.id === id)
    if (existing && existing.layer !== top)
      throw new SkiffError(
        'ERR_IO',
        `${this.image}: image with ID "${id}" already exists, but uses a different top layer: that ID is already in use`,
        {
          image: this.image,
        },
      )

    const sig = this.signatures ?? { blob: Buffer.alloc(0), sizes: [] }
    const metadata: Record<string, unknown> = {}
    if (sig.sizes.length > 0) metadata['signature-sizes'] = sig.sizes
    metadata['signatures-sizes'] = { [digest]: sig.sizes }
    const files = {
      manifest: join(this.dir, 'manifest'),
      config: this.staged.get(m.config.digest)!.file,
      sig: join(this.dir, 'signatures'),
    }
    await writeFile(files.manifest, bytes)
    await writeFile(files.sig, sig.blob)
    const bigData: BigDataItem[] = [
      // "manifest" first: what podman reads of every image it lists.
      { key: DEFAULT_MANIFEST_KEY, file: files.manifest },
      { key: manifestKey(digest), file: files.manifest },
      { key: m.config.digest, file: files.config },
    ]
    if (sig.sizes.length > 0) bigData.push({ key: 'signatures', file: files.sig })
    bigData.push({ key: signatureKey(digest), file: files.sig })
    await runCommit({
      store: this.reference.store,
      id,
      topLayer: top,
      metadata: JSON.stringify(metadata),
      bigData,
      names: named ? [named.toString()] : [],
      dir: this.dir,
      image: this.image,
    })
  }

  protected async discard(): Promise<void> {
    // Nothing in the store refers to what was staged; the folder goes in release().
  }

  protected override async release(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true })
    unregisterTempPath(this.dir)
  }
}

export async function openStorageDestination(
  reference: StorageRef,
  opts: TransportOptions,
): Promise<StorageImageDestination> {
  const run = { image: reference.toString(), signal: opts.signal }
  // Listing the images creates the store if it is new (as skopeo and podman do).
  const images = await listImages(reference.store, run)
  const ref = reference.expand(images)
  const layers = await listLayers(reference.store, run)
  const dir = await makeTempDir(opts.tmpdir, 'skiff-cstorage')
  registerTempPath(dir)
  return new StorageImageDestination(ref, dir, layers, opts)
}
