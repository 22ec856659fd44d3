/**
 * Writes an image into an OCI image layout. Blobs are content-addressed (temp file + rename to the
 * computed digest), so a visible blob is harmless; the image becomes visible only when commit()
 * adds its index.json entry, read-modify-written under an exclusive lock and written atomically,
 * so parallel writers into one layout never lose each other's entries.
 */
import { mkdir, rm, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { Readable } from 'node:stream'
import {
  InvalidReferenceError,
  ManifestTypeRejectedError,
  SkiffError,
  isNotFound,
  opt,
  withOptions,
} from '../../errors.js'
import { isValidDigest, type Digest } from '../../digest/digest.js'
import { MT } from '../../manifest/media-types.js'
import { resolveMediaType } from '../../manifest/parse.js'
import { writeFileAtomic } from '../../util/atomic.js'
import { withLock } from '../../util/lock.js'
import { sweepStaleTemps } from '../../util/temp-owner.js'
import { checkNameLength } from '../../util/write-error.js'
import type { DestinationProperties, ImageReference, PutBlobOptions, TransportOptions } from '../types.js'
import type { BlobInfo } from '../../manifest/types.js'
import { StagedDestination } from '../shared/staged-destination.js'
import { removeEmptyDirs } from '../dir/local-path.js'
import {
  INDEX_FILE,
  LOCK_FILE,
  OCI_LAYOUT_CONTENT,
  OCI_LAYOUT_FILE,
  REF_NAME_ANNOTATION,
  addIndexEntry,
  blobPath,
  blobRootOf,
  readIndex,
  type OciDescriptor,
} from './layout.js'
import type { OciSelector } from './source.js'
import type { Signature } from '../../signature/types.js'

const SUPPORTED = [MT.OCI_MANIFEST, MT.OCI_INDEX]

export class OciImageDestination extends StagedDestination {
  readonly properties: DestinationProperties

  /** Blob files this destination created (removed on close without commit when it created the layout). */
  private readonly written = new Set<string>()

  private constructor(
    reference: ImageReference,
    private readonly layout: string,
    private readonly blobRoot: string,
    private readonly refName: string,
    /** The first folder this destination created (the layout or a parent), if any. */
    private readonly created: string | undefined,
    acceptUncompressedLayers: boolean,
  ) {
    super(reference)
    this.properties = {
      supportedManifestMediaTypes: [...SUPPORTED],
      // As skopeo: uncompressed layers are compressed unless --dest-oci-accept-uncompressed-layers.
      desiredLayerCompression: acceptUncompressedLayers ? 'preserve' : 'compress',
      supportsMultiImage: true,
      acceptsForeignLayerURLs: true,
      hasThreadSafePutBlob: true,
      supportsSignatures: false,
    }
  }

  static async open(
    reference: ImageReference,
    layout: string,
    sel: OciSelector,
    opts: TransportOptions = {},
  ): Promise<OciImageDestination> {
    const image = reference.toString()
    checkNameLength(layout, image)
    if (sel.sourceIndex >= 0) {
      throw new InvalidReferenceError(
        `${image}: @${sel.sourceIndex} selects an existing image and cannot be written to; use oci:PATH:NAME or oci:PATH`,
        { image },
      )
    }
    try {
      const st = await stat(layout)
      if (!st.isDirectory())
        throw new SkiffError('ERR_INVALID_ARGUMENT', `${image}: ${layout} exists and is not a directory`, { image })
      // Refuse early (before any blob is written) to add to a layout whose index.json is broken.
      await readIndex(layout, image, true)
    } catch (e) {
      if (!isNotFound(e)) throw e
    }
    const blobRoot = blobRootOf(layout, opts.sharedBlobDir === undefined ? undefined : resolve(opts.sharedBlobDir))
    const created = await mkdir(layout, { recursive: true })
    await mkdir(join(blobRoot, 'sha256'), { recursive: true })
    // Temp files a killed earlier run left (blobs being written, index.json being replaced).
    await sweepStaleTemps(join(blobRoot, 'sha256'))
    await sweepStaleTemps(layout)
    return new OciImageDestination(
      reference,
      layout,
      blobRoot,
      sel.refName,
      created,
      opts.ociAcceptUncompressedLayers === true,
    )
  }

  async tryReusingBlob(info: BlobInfo): Promise<BlobInfo | undefined> {
    if (!isValidDigest(info.digest)) return undefined
    try {
      const st = await stat(blobPath(this.blobRoot, info.digest))
      if (!st.isFile() || (info.size >= 0 && st.size !== info.size)) return undefined
      return { ...info, size: st.size }
    } catch {
      return undefined
    }
  }

  async putBlob(stream: Readable, info: BlobInfo, opts: PutBlobOptions = {}): Promise<BlobInfo> {
    this.assertOpen('putBlob()')
    let existed = false
    const written = await this.writeBlob(
      join(this.blobRoot, 'sha256', 'blob'),
      stream,
      info,
      opts,
      this.layout,
      async (digest) => {
        const p = blobPath(this.blobRoot, digest)
        existed = await stat(p).then(
          () => true,
          () => false,
        )
        return p
      },
    )
    if (!existed) this.written.add(blobPath(this.blobRoot, written.digest))
    return written
  }

  async putManifest(bytes: Buffer, mediaType: string, instance?: Digest): Promise<void> {
    this.assertOpen('putManifest()')
    const mt = resolveMediaType(bytes, mediaType)
    if (!SUPPORTED.includes(mt as (typeof SUPPORTED)[number])) {
      throw new ManifestTypeRejectedError(
        mt,
        withOptions`${this.image}: OCI layouts store only OCI manifests and indexes, not ${mt || 'this manifest'}; convert it (e.g. ${opt('format', { value: 'oci' })})`,
        {
          image: this.image,
        },
      )
    }
    const digest = this.manifestDigest(bytes, instance)
    const p = blobPath(this.blobRoot, digest)
    const existed = await stat(p).then(
      () => true,
      () => false,
    )
    await writeFileAtomic(p, bytes).catch((e: unknown) => {
      throw this.writeFailure(e, this.layout)
    })
    if (!existed) this.written.add(p)
    if (instance === undefined) this.topManifest = { mediaType: mt, digest, size: bytes.length }
  }

  async putSignatures(signatures: Signature[]): Promise<void> {
    this.assertOpen('putSignatures()')
    if (signatures.length > 0) {
      throw new SkiffError(
        'ERR_UNSUPPORTED',
        withOptions`${this.image}: OCI layouts cannot store signatures; use ${opt('removeSignatures', { value: true })}`,
        { image: this.image },
      )
    }
  }

  /** Adds the index.json entry (read-modify-write under the layout's lock). */
  protected async publish(): Promise<void> {
    const desc: OciDescriptor = { ...this.requireTopManifest() }
    if (this.refName !== '') desc.annotations = { [REF_NAME_ANNOTATION]: this.refName }
    try {
      await mkdir(join(this.layout, 'blobs'), { recursive: true })
      await writeFileAtomic(join(this.layout, OCI_LAYOUT_FILE), OCI_LAYOUT_CONTENT)
      await withLock(join(this.layout, LOCK_FILE), async () => {
        const index = await readIndex(this.layout, this.image, true)
        addIndexEntry(index, desc)
        await writeFileAtomic(join(this.layout, INDEX_FILE), JSON.stringify(index))
      })
    } catch (e) {
      throw this.writeFailure(e, this.layout)
    }
  }

  /** Takes back the blobs and folders this destination created, when it created the layout. */
  protected async discard(): Promise<void> {
    if (this.created === undefined) return
    // This destination created the layout and nothing was committed: take back what it wrote,
    // unless another writer committed into the new layout meanwhile.
    const indexExists = await stat(join(this.layout, INDEX_FILE)).then(
      () => true,
      () => false,
    )
    if (indexExists) return
    for (const p of this.written) await rm(p, { force: true })
    await rm(join(this.layout, OCI_LAYOUT_FILE), { force: true })
    if (this.blobRoot === join(this.layout, 'blobs'))
      await removeEmptyDirs(join(this.blobRoot, 'sha256'), this.blobRoot)
    await removeEmptyDirs(this.layout, this.created)
  }
}
