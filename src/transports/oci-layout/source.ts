/**
 * Reads an image from an OCI image layout: the index.json entry chosen by ref name, by position
 * (`@N`) or as the only entry. Returns raw bytes; never verifies.
 */
import { stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { Readable } from 'node:stream'
import { ImageNotFoundError, InvalidReferenceError, SkiffError, isNotFound } from '../../errors.js'
import type { Digest } from '../../digest/digest.js'
import { guessMediaType } from '../../manifest/parse.js'
import type { ImageReference, ImageSource, TransportOptions } from '../types.js'
import type { BlobInfo } from '../../manifest/types.js'
import { realPathInside } from '../dir/local-path.js'
import { blobPath, blobRootOf, readIndex, refNameOf, type OciDescriptor, type OciIndex } from './layout.js'
import { openBlobFile } from '../../util/blob-file.js'
import { MAX_MANIFEST_SIZE, readFileAtMost, sizeLimitError } from '../../util/limits.js'
import type { Signature } from '../../signature/types.js'

/** What names an image inside a layout: a ref name, a position in index.json, or nothing. */
export interface OciSelector {
  refName: string
  sourceIndex: number
}

/** Picks the index.json entry the reference names. */
export function selectDescriptor(index: OciIndex, sel: OciSelector, image: string): OciDescriptor {
  const all = index.manifests
  if (sel.sourceIndex >= 0) {
    const d = all[sel.sourceIndex]
    if (!d) {
      throw new ImageNotFoundError(
        `${image}: the layout has ${all.length} image(s) in index.json; @${sel.sourceIndex} is out of range (positions start at @0)`,
        { image },
      )
    }
    return d
  }
  if (sel.refName !== '') {
    const d = all.find((m) => refNameOf(m) === sel.refName)
    if (!d) {
      const names = all.map(refNameOf).filter((n): n is string => !!n)
      throw new ImageNotFoundError(
        `${image}: no image named "${sel.refName}" in the layout${names.length ? ` (it has: ${names.join(', ')})` : ''}`,
        { image },
      )
    }
    return d
  }
  if (all.length === 1) return all[0]!
  if (all.length === 0)
    throw new ImageNotFoundError(`${image}: the OCI layout holds no image (index.json is empty)`, { image })
  const names = all.map((m, i) => refNameOf(m) ?? `@${i}`)
  throw new InvalidReferenceError(
    `${image}: the OCI layout holds ${all.length} images (${names.join(', ')}); choose one with PATH:REF or PATH:@N`,
    { image },
  )
}

export class OciImageSource implements ImageSource {
  private constructor(
    readonly reference: ImageReference,
    private readonly layout: string,
    private readonly blobRoot: string,
    private readonly descriptor: OciDescriptor,
  ) {}

  static async open(
    reference: ImageReference,
    layout: string,
    sel: OciSelector,
    opts: TransportOptions = {},
  ): Promise<OciImageSource> {
    const image = reference.toString()
    const index = await readIndex(layout, image, false)
    const desc = selectDescriptor(index, sel, image)
    const shared = opts.sharedBlobDir === undefined ? undefined : resolve(opts.sharedBlobDir)
    return new OciImageSource(reference, layout, blobRootOf(layout, shared), desc)
  }

  private get image(): string {
    return this.reference.toString()
  }

  /** The real path of a blob; refuses symlinks that leave the layout (or the shared blob folder). */
  private async safeBlobPath(d: Digest): Promise<string> {
    const root = this.blobRoot.startsWith(this.layout + '/') ? this.layout : this.blobRoot
    return realPathInside(root, blobPath(this.blobRoot, d), this.image)
  }

  private missingBlob(d: Digest, what: string, cause: unknown): SkiffError {
    return new SkiffError(
      'ERR_INVALID_LAYOUT',
      `${this.image}: ${what} ${d} is missing from ${this.blobRoot}; the layout is incomplete`,
      {
        image: this.image,
        cause,
      },
    )
  }

  /** `digest` is what index.json (or the caller's instance) claims for the bytes; the engine verifies it. */
  async getManifest(instance?: Digest): Promise<{ bytes: Buffer; mediaType: string; digest: Digest }> {
    const d = instance ?? this.descriptor.digest
    let bytes: Buffer
    try {
      bytes = await readFileAtMost(await this.safeBlobPath(d), MAX_MANIFEST_SIZE, () =>
        sizeLimitError(`${this.image}: reading manifest ${d}`, MAX_MANIFEST_SIZE, 'ERR_MANIFEST_INVALID', this.image),
      )
    } catch (e) {
      if (!isNotFound(e)) throw e
      if (instance !== undefined)
        throw new ImageNotFoundError(`${this.image}: the manifest of instance ${instance} is not in the layout`, {
          image: this.image,
          cause: e,
        })
      throw this.missingBlob(d, 'manifest', e)
    }
    const mediaType =
      instance === undefined && this.descriptor.mediaType ? this.descriptor.mediaType : guessMediaType(bytes)
    return { bytes, mediaType, digest: d }
  }

  async getBlob(info: BlobInfo): Promise<{ stream: Readable; size: number }> {
    try {
      return await openBlobFile(await this.safeBlobPath(info.digest))
    } catch (e) {
      if (isNotFound(e)) throw this.missingBlob(info.digest, 'blob', e)
      throw e
    }
  }

  /** The blob's file (symlinks that leave the layout refused), for hardlinking; undefined if absent. */
  async localBlobPath(info: BlobInfo): Promise<string | undefined> {
    try {
      const path = await this.safeBlobPath(info.digest)
      return (await stat(path)).isFile() ? path : undefined
    } catch (e) {
      if (isNotFound(e)) return undefined
      throw e
    }
  }

  async getSignatures(): Promise<Signature[]> {
    return []
  }

  async close(): Promise<void> {
    // nothing held open
  }
}
