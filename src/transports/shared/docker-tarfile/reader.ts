/**
 * A `docker save` archive opened for random access: the tar headers are indexed once, manifest.json
 * is parsed, and any entry can then be streamed straight from its byte range in the file.
 */
import { createReadStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { Readable, addAbortSignal } from 'node:stream'
import { SkiffError } from '../../../errors.js'
import type { Platform } from '../../../manifest/types.js'
import { prepareArchiveFile, prepareArchiveStream, type LocalArchive, type PrepareOptions } from './archive-file.js'
import {
  ambiguousImageError,
  chooseManifestItem,
  MANIFEST_JSON,
  parseManifestJson,
  type ImageSelection,
  type ManifestItem,
} from './manifest-json.js'
import { safeEntryName, scanTar, type TarEntry, type TarIndex } from './tar-index.js'
import { BLOB_READ_CHUNK } from '../../../util/io.js'
import { MAX_CONFIG_SIZE, MAX_INDEX_SIZE, sizeLimitMessage } from '../../../util/limits.js'

/** manifest.json and image configs are small; anything bigger is not a docker archive. */
export const MAX_JSON_SIZE = MAX_INDEX_SIZE

export class TarfileReader {
  private closed = false

  private constructor(
    private readonly local: LocalArchive,
    readonly index: TarIndex,
    readonly items: ManifestItem[],
    /** `transport:details` of the archive (without an image selection), for messages. */
    readonly image: string,
  ) {}

  /** Opens the archive at `path` (a file or a pipe; gzip/zstd compressed or not). */
  static async open(path: string, opts: PrepareOptions): Promise<TarfileReader> {
    return TarfileReader.fromLocal(await prepareArchiveFile(path, opts), opts)
  }

  /** Opens an archive arriving as a stream (copied to a temp file under opts.tmpdir first). */
  static async fromStream(stream: Readable, opts: PrepareOptions): Promise<TarfileReader> {
    return TarfileReader.fromLocal(await prepareArchiveStream(stream, opts), opts)
  }

  private static async fromLocal(local: LocalArchive, opts: PrepareOptions): Promise<TarfileReader> {
    try {
      const index = await scanTar(local.path)
      const reader = new TarfileReader(local, index, [], opts.image)
      if (!index.lookup(MANIFEST_JSON)) {
        throw new SkiffError(
          'ERR_INVALID_LAYOUT',
          `${opts.image}: not a docker archive (no manifest.json); for an OCI archive use oci-archive:`,
          { image: opts.image },
        )
      }
      const items = parseManifestJson(await reader.readEntry(MANIFEST_JSON, 'manifest.json'), opts.image)
      return new TarfileReader(local, index, items, opts.image)
    } catch (e) {
      await local.cleanup()
      throw e
    }
  }

  /** The regular file an archive path refers to (links followed); ERR_INVALID_LAYOUT when missing. */
  entry(name: string, what: string): TarEntry {
    const safe = safeEntryName(name, what)
    const e = this.index.resolve(safe)
    if (!e)
      throw new SkiffError(
        'ERR_INVALID_LAYOUT',
        `${this.image}: ${what} "${name}" is missing from the archive; the archive is incomplete or corrupt`,
        { image: this.image },
      )
    return e
  }

  async readEntry(name: string, what: string, limit = MAX_JSON_SIZE): Promise<Buffer> {
    const e = this.entry(name, what)
    if (e.size > limit)
      throw new SkiffError(
        'ERR_INVALID_LAYOUT',
        `${this.image}: reading ${what} "${name}": ${sizeLimitMessage(limit)}`,
        { image: this.image },
      )
    return this.readRange(e.offset, e.size)
  }

  async readRange(offset: number, size: number): Promise<Buffer> {
    this.checkOpen()
    const fh = await open(this.local.path, 'r')
    try {
      const buf = Buffer.alloc(size)
      const { bytesRead } = await fh.read(buf, 0, size, offset)
      if (bytesRead !== size)
        throw new SkiffError('ERR_INVALID_LAYOUT', `${this.image}: truncated archive`, { image: this.image })
      return buf
    } finally {
      await fh.close()
    }
  }

  /** Streams an entry's bytes from its range in the file. */
  openStream(e: TarEntry, signal?: AbortSignal): Readable {
    this.checkOpen()
    const s =
      e.size === 0
        ? Readable.from([])
        : createReadStream(this.local.path, {
            start: e.offset,
            end: e.offset + e.size - 1,
            highWaterMark: BLOB_READ_CHUNK,
          })
    return signal ? addAbortSignal(signal, s) : s
  }

  /** Path of the local (uncompressed, seekable) tar file backing this reader. */
  get localPath(): string {
    return this.local.path
  }

  /**
   * The image `sel` names. Without tag or index: the only image, or — when several and a platform
   * is given — the only one whose config matches it; otherwise an error listing the choices.
   */
  async chooseImage(sel: ImageSelection, platform?: Partial<Platform>): Promise<{ item: ManifestItem; index: number }> {
    const chosen = chooseManifestItem(this.items, sel, this.image)
    if (chosen) return chosen
    if (platform && (platform.os || platform.architecture)) {
      const matches: number[] = []
      for (let i = 0; i < this.items.length; i++) {
        const cfg = JSON.parse(
          (await this.readEntry(this.items[i]!.Config, 'image config', MAX_CONFIG_SIZE)).toString('utf8'),
        ) as Partial<Platform>
        if (platform.os && cfg.os !== platform.os) continue
        if (platform.architecture && cfg.architecture !== platform.architecture) continue
        if (platform.variant && cfg.variant !== platform.variant) continue
        matches.push(i)
      }
      if (matches.length === 1) return { item: this.items[matches[0]!]!, index: matches[0]! }
    }
    throw ambiguousImageError(this.items, this.image)
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.local.cleanup()
  }

  private checkOpen(): void {
    if (this.closed)
      throw new SkiffError('ERR_INVALID_ARGUMENT', `${this.image}: the archive was already closed`, {
        image: this.image,
      })
  }
}
