/**
 * `copy … registry-storage-archive:OUT:NAME[:TAG]`: one image written as a release bundle (the
 * engine's destination; sync from a store uses the batch in sync/sources instead). Blobs go into
 * the tar as they come, each once, verified on the way; one of unknown size is spooled to --tmpdir
 * first (a tar header needs the size). Nothing is visible before commit(): the bundle is renamed
 * to OUT at the end, and close() without commit removes the temp file.
 */
import type { Signature } from '../../signature/types.js'
import type { Readable } from 'node:stream'
import { SkiffError, opt, withOptions } from '../../errors.js'
import { digestOf, isValidDigest, type Digest } from '../../digest/digest.js'
import type { BlobInfo } from '../../manifest/types.js'
import type { DestinationProperties, ImageReference, PutBlobOptions, ReuseOptions } from '../types.js'
import { StagedDestination } from '../shared/staged-destination.js'
import { spoolBlob } from '../shared/docker-tarfile/spool.js'
import type { StorageSelector } from '../registry-storage/types.js'
import { BundleWriter } from './writer.js'

export class BundleDestination extends StagedDestination {
  readonly properties: DestinationProperties = {
    desiredLayerCompression: 'preserve',
    supportsMultiImage: true,
    acceptsForeignLayerURLs: true,
    hasThreadSafePutBlob: false,
    supportsSignatures: false,
  }

  private readonly blobs = new Set<Digest>()
  private readonly manifests: Digest[] = []

  private constructor(
    reference: ImageReference,
    private readonly writer: BundleWriter,
    private readonly name: string,
    private readonly sel: StorageSelector,
    private readonly tmpdir: string | undefined,
  ) {
    super(reference)
  }

  static async open(
    reference: ImageReference,
    path: string,
    name: string,
    sel: StorageSelector,
    tmpdir: string | undefined,
  ): Promise<BundleDestination> {
    return new BundleDestination(reference, await BundleWriter.create(path), name, sel, tmpdir)
  }

  async tryReusingBlob(info: BlobInfo, _opts?: ReuseOptions): Promise<BlobInfo | undefined> {
    if (!isValidDigest(info.digest) || !this.writer.has(info.digest)) return undefined
    this.blobs.add(info.digest)
    return info
  }

  async putBlob(stream: Readable, info: BlobInfo, opts: PutBlobOptions = {}): Promise<BlobInfo> {
    this.assertOpen('putBlob()')
    const what = `${this.image}: blob ${info.digest}`
    const expected = opts.expectedDigest
    if (info.size >= 0 && expected !== undefined && isValidDigest(expected)) {
      await this.writer.addBlob(expected, info.size, stream, { what, ...(opts.signal ? { signal: opts.signal } : {}) })
      this.blobs.add(expected)
      return { ...info, digest: expected }
    }
    const spooled = await spoolBlob(stream, {
      tmpdir: this.tmpdir,
      signal: opts.signal,
      expectedDigest: expected,
      what,
    })
    try {
      await this.writer.addBlob(spooled.digest, spooled.size, spooled.open(), { what })
    } finally {
      await spooled.remove()
    }
    this.blobs.add(spooled.digest)
    return { ...info, digest: spooled.digest, size: spooled.size }
  }

  async putManifest(bytes: Buffer, mediaType: string, instance?: Digest): Promise<void> {
    this.assertOpen('putManifest()')
    const digest = this.manifestDigest(bytes, instance)
    if (instance === undefined && this.sel.digest !== undefined && digest !== this.sel.digest)
      throw new SkiffError(
        'ERR_DIGEST_MISMATCH',
        `${this.image}: the manifest written differs from the digest the reference names`,
        {
          image: this.image,
        },
      )
    await this.writer.addBytes(digestOf(bytes), bytes)
    this.manifests.push(digest)
    if (instance === undefined) this.topManifest = { digest, mediaType, size: bytes.length }
  }

  async putSignatures(signatures: Signature[]): Promise<void> {
    this.assertOpen('putSignatures()')
    if (signatures.length > 0)
      throw new SkiffError(
        'ERR_UNSUPPORTED',
        withOptions`${this.image}: a release bundle cannot hold signatures; use ${opt('removeSignatures', { value: true })}`,
        {
          image: this.image,
        },
      )
  }

  protected async publish(): Promise<void> {
    const top = this.requireTopManifest().digest
    // the top manifest first in the list of manifests (the reader does not care; people do)
    const manifests = [top, ...this.manifests.filter((d) => d !== top)]
    this.writer.addImage({ name: this.name, tag: this.sel.tag, top, manifests, blobs: [...this.blobs] })
    await this.writer.finish()
  }

  protected async discard(): Promise<void> {
    await this.writer.discard()
  }
}
