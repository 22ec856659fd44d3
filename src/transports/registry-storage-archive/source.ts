/**
 * An image inside a release bundle, read as docker-registry would serve it from the unpacked store:
 * the tag's `current/link` (or a revision link for @DIGEST) names the manifest, a blob is served
 * only when the repository links it (`_layers`), and every blob is read by offset from the tar.
 * Raw bytes, never verified here (the engine verifies every digest).
 */
import type { Signature } from '../../signature/types.js'
import { createReadStream } from 'node:fs'
import { Readable } from 'node:stream'
import { ImageNotFoundError, SkiffError } from '../../errors.js'
import type { Digest } from '../../digest/digest.js'
import { guessMediaType } from '../../manifest/parse.js'
import { MAX_MANIFEST_SIZE } from '../../util/limits.js'
import { BLOB_READ_CHUNK } from '../../util/io.js'
import type { BlobInfo } from '../../manifest/types.js'
import type { ImageReference, ImageSource } from '../types.js'
import type { StorageSelector } from '../registry-storage/types.js'
import { dataEntry, openBundle, readEntry, readLinkEntry, type Bundle } from './bundle.js'
import { bundlePath } from './writer.js'

export class BundleSource implements ImageSource {
  private constructor(
    readonly reference: ImageReference,
    private readonly bundle: Bundle,
    private readonly name: string,
    private readonly top: Digest,
  ) {}

  static async open(
    reference: ImageReference,
    path: string,
    name: string,
    sel: StorageSelector,
    tmpdir: string | undefined,
  ): Promise<BundleSource> {
    const image = reference.toString()
    const b = await openBundle(path, { tmpdir, image })
    let top: Digest | undefined
    if (sel.digest !== undefined) {
      if ((await readLinkEntry(b, bundlePath.revisionLink(name, sel.digest), image)) !== sel.digest)
        throw new ImageNotFoundError(`${image}: the bundle has no manifest ${sel.digest} in "${name}"`, { image })
      top = sel.digest
    } else {
      top = b.tags.get(name)?.get(sel.tag)
      if (top === undefined) {
        const tags = [...(b.tags.get(name)?.keys() ?? [])].sort()
        throw new ImageNotFoundError(
          `${image}: ${b.tags.has(name) ? `repository "${name}" has no tag "${sel.tag}" (it has: ${tags.slice(0, 20).join(', ')})` : `the bundle has no repository "${name}"`}`,
          { image },
        )
      }
    }
    return new BundleSource(reference, b, name, top)
  }

  private get image(): string {
    return this.reference.toString()
  }

  private damaged(what: string): SkiffError {
    return new SkiffError('ERR_INVALID_LAYOUT', `${this.image}: ${what}; the bundle is incomplete or damaged`, {
      image: this.image,
    })
  }

  async getManifest(instance?: Digest): Promise<{ bytes: Buffer; mediaType: string; digest: Digest }> {
    const d = instance ?? this.top
    if ((await readLinkEntry(this.bundle, bundlePath.revisionLink(this.name, d), this.image)) !== d)
      throw new ImageNotFoundError(`${this.image}: repository "${this.name}" has no manifest ${d} (no revision link)`, {
        image: this.image,
      })
    const e = dataEntry(this.bundle, d)
    if (e === undefined) throw this.damaged(`manifest ${d} is linked but ${bundlePath.data(d)} is not in the bundle`)
    const bytes = await readEntry(this.bundle, e, MAX_MANIFEST_SIZE, this.image)
    return { bytes, mediaType: guessMediaType(bytes), digest: d }
  }

  async getBlob(info: BlobInfo): Promise<{ stream: Readable; size: number }> {
    if ((await readLinkEntry(this.bundle, bundlePath.layerLink(this.name, info.digest), this.image)) !== info.digest)
      throw this.damaged(`blob ${info.digest} is not linked to repository "${this.name}" (no _layers link)`)
    const e = dataEntry(this.bundle, info.digest)
    if (e === undefined) throw this.damaged(`blob ${info.digest}: ${bundlePath.data(info.digest)} is not in the bundle`)
    const stream =
      e.size === 0
        ? Readable.from([])
        : createReadStream(this.bundle.file, {
            start: e.offset,
            end: e.offset + e.size - 1,
            highWaterMark: BLOB_READ_CHUNK,
          })
    return { stream, size: e.size }
  }

  async getSignatures(): Promise<Signature[]> {
    return []
  }

  async listTags(): Promise<string[]> {
    return [...(this.bundle.tags.get(this.name)?.keys() ?? [])].sort()
  }

  async close(): Promise<void> {
    // the bundle stays open for the process (other images of a sync read it too)
  }
}
