/**
 * Writes an image into an OCI image layout. Blobs are content-addressed (temp file + rename to the
 * computed digest), so a visible blob is harmless; the image becomes visible only when commit()
 * adds its index.json entry, read-modify-written under an exclusive lock and written atomically,
 * so parallel writers into one layout never lose each other's entries.
 */
import { mkdir, rm, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { Readable } from 'node:stream'
import { DigestMismatchError, InvalidReferenceError, ManifestTypeRejectedError, SkiffError, isNotFound, opt, withOptions } from '../../errors.js'
import { digestOf, isValidDigest, parseDigest, type Digest } from '../../digest/digest.js'
import { MT } from '../../manifest/media-types.js'
import { resolveMediaType } from '../../manifest/parse.js'
import { writeFileAtomic } from '../../util/atomic.js'
import { withLock } from '../../util/lock.js'
import { sweepStaleTemps } from '../../util/temp-owner.js'
import { checkNameLength, isWriteFailure, writeError } from '../../util/write-error.js'
import type { BlobInfo, DestinationProperties, ImageDestination, ImageReference, PutBlobOptions, TransportOptions } from '../types.js'
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
import { writeBlobFile } from '../../util/blob-file.js'

const SUPPORTED = [MT.OCI_MANIFEST, MT.OCI_INDEX]

export class OciImageDestination implements ImageDestination {
  readonly properties: DestinationProperties

  private topLevel: OciDescriptor | undefined
  private committed = false
  private closed = false
  /** Blob files this destination created (removed on close without commit when it created the layout). */
  private readonly written = new Set<string>()

  private constructor(
    readonly reference: ImageReference,
    private readonly layout: string,
    private readonly blobRoot: string,
    private readonly refName: string,
    /** The first folder this destination created (the layout or a parent), if any. */
    private readonly created: string | undefined,
    acceptUncompressedLayers: boolean,
  ) {
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

  private get image(): string {
    return this.reference.toString()
  }

  static async open(reference: ImageReference, layout: string, sel: OciSelector, opts: TransportOptions = {}): Promise<OciImageDestination> {
    const image = reference.toString()
    checkNameLength(layout, image)
    if (sel.sourceIndex >= 0) {
      throw new InvalidReferenceError(`${image}: @${sel.sourceIndex} selects an existing image and cannot be written to; use oci:PATH:NAME or oci:PATH`, { image })
    }
    try {
      const st = await stat(layout)
      if (!st.isDirectory()) throw new SkiffError('ERR_INVALID_ARGUMENT', `${image}: ${layout} exists and is not a directory`, { image })
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
    return new OciImageDestination(reference, layout, blobRoot, sel.refName, created, opts.ociAcceptUncompressedLayers === true)
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
    let existed = false
    const written = await writeBlobFile(
      join(this.blobRoot, 'sha256', 'blob'),
      stream,
      { what: `${this.image}: writing blob ${info.digest}`, image: this.image, expectedDigest: opts.expectedDigest, signal: opts.signal, where: this.layout },
      async (digest) => {
        const p = blobPath(this.blobRoot, digest)
        existed = await stat(p).then(() => true, () => false)
        return p
      },
    )
    if (!existed) this.written.add(blobPath(this.blobRoot, written.digest))
    const out: BlobInfo = { ...written }
    if (info.mediaType !== undefined) out.mediaType = info.mediaType
    return out
  }

  async putManifest(bytes: Buffer, mediaType: string, instance?: Digest): Promise<void> {
    const mt = resolveMediaType(bytes, mediaType)
    if (!SUPPORTED.includes(mt as (typeof SUPPORTED)[number])) {
      throw new ManifestTypeRejectedError(mt, withOptions`${this.image}: OCI layouts store only OCI manifests and indexes, not ${mt || 'this manifest'}; convert it (e.g. ${opt('format', { value: 'oci' })})`, {
        image: this.image,
      })
    }
    const digest = digestOf(bytes, instance === undefined ? 'sha256' : parseDigest(instance).algorithm)
    if (instance !== undefined && digest !== instance) throw new DigestMismatchError(instance, digest, `${this.image}: manifest of instance`)
    const p = blobPath(this.blobRoot, digest)
    const existed = await stat(p).then(() => true, () => false)
    await writeFileAtomic(p, bytes).catch((e: unknown) => {
      throw isWriteFailure(e) ? writeError(e, this.layout, this.image) : e
    })
    if (!existed) this.written.add(p)
    if (instance === undefined) {
      this.topLevel = { mediaType: mt, digest, size: bytes.length }
      if (this.refName !== '') this.topLevel.annotations = { [REF_NAME_ANNOTATION]: this.refName }
    }
  }

  async putSignatures(signatures: Buffer[]): Promise<void> {
    if (signatures.length > 0) {
      throw new SkiffError('ERR_UNSUPPORTED', withOptions`${this.image}: OCI layouts cannot store signatures; use ${opt('removeSignatures', { value: true })}`, { image: this.image })
    }
  }

  async commit(): Promise<void> {
    if (this.committed) return
    if (this.closed) throw new SkiffError('ERR_INVALID_ARGUMENT', `${this.image}: commit() after close()`, { image: this.image })
    const desc = this.topLevel
    if (!desc) throw new SkiffError('ERR_INVALID_ARGUMENT', `${this.image}: commit() before the manifest was stored`, { image: this.image })
    try {
      await mkdir(join(this.layout, 'blobs'), { recursive: true })
      await writeFileAtomic(join(this.layout, OCI_LAYOUT_FILE), OCI_LAYOUT_CONTENT)
      await withLock(join(this.layout, LOCK_FILE), async () => {
        const index = await readIndex(this.layout, this.image, true)
        addIndexEntry(index, { ...desc })
        await writeFileAtomic(join(this.layout, INDEX_FILE), JSON.stringify(index))
      })
    } catch (e) {
      throw isWriteFailure(e) ? writeError(e, this.layout, this.image) : e
    }
    this.committed = true
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.committed || this.created === undefined) return
    // This destination created the layout and nothing was committed: take back what it wrote,
    // unless another writer committed into the new layout meanwhile.
    const indexExists = await stat(join(this.layout, INDEX_FILE)).then(() => true, () => false)
    if (indexExists) return
    for (const p of this.written) await rm(p, { force: true })
    await rm(join(this.layout, OCI_LAYOUT_FILE), { force: true })
    if (this.blobRoot === join(this.layout, 'blobs')) await removeEmptyDirs(join(this.blobRoot, 'sha256'), this.blobRoot)
    await removeEmptyDirs(this.layout, this.created)
  }
}
