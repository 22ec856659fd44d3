/**
 * Writes a release bundle: one tar that holds a docker/distribution 2.8 store (`tar -x -C
 * /var/lib/registry` gives a store docker-registry serves), optionally gzip- or zstd-compressed as
 * a whole. Entries, in order:
 *
 *   docker/registry/v2/blobs/sha256/XX/HEX/data        every blob and manifest, each once, verified
 *                                                      against its digest while it streams in
 *   docker/registry/v2/repositories/NAME/_layers/…     the links of every image, then
 *   …/_manifests/revisions/…, …/tags/TAG/index/…      the tag history, and last
 *   …/_manifests/tags/TAG/current/link                 each tag (so an extraction cut short never
 *                                                      leaves a tag without its blobs)
 *   images.txt                                         `NAME:TAG sha256:DIGEST`, one image a line
 *   SHA256SUMS                                         `HEX  PATH` of every data file (sha256sum -c)
 *
 * Folders get their own entries (0755), files are 0644, owner 0, mtime 0 (reproducible). The tar
 * goes to a temp name beside OUT and is renamed over it when everything is written (fsync first),
 * so an interrupted or killed write leaves no file under the final name.
 */
import { Transform, type Readable, type TransformCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { dirname, posix, resolve } from 'node:path'
import { tempPrefixFor } from '../../util/atomic.js'
import { sweepStaleTemps } from '../../util/temp-owner.js'
import { SkiffError } from '../../errors.js'
import type { Digest } from '../../digest/digest.js'
import { digestHex, digestOf } from '../../digest/digest.js'
import { DigestMismatchError } from '../../errors.js'
import { newHasher, parseDigest } from '../../digest/digest.js'
import { compressor } from '../../compression/compression.js'
import { openOutputFile, type OutputFile } from '../../util/output.js'
import { TarWriter } from '../shared/docker-tarfile/tar-writer.js'
import {
  blobDataPath,
  layerLinkPath,
  repositoryPath,
  revisionLinkPath,
  tagCurrentLinkPath,
  tagIndexLinkPath,
  uploadsPath,
} from '../registry-storage/layout.js'

/** Passes bytes on in chunks of at least `size` (the last one smaller). */
class Gather extends Transform {
  private chunks: Buffer[] = []
  private bytes = 0

  constructor(private readonly size: number) {
    super()
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.chunks.push(chunk)
    this.bytes += chunk.length
    if (this.bytes >= this.size) this.emitGathered()
    cb()
  }

  override _flush(cb: TransformCallback): void {
    this.emitGathered()
    cb()
  }

  private emitGathered(): void {
    if (this.bytes === 0) return
    this.push(this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.bytes))
    this.chunks = []
    this.bytes = 0
  }
}

/** `stream`'s chunks, hashed on the way; throws at the end when the digest is not `expected`. */
async function* verifying(
  stream: Readable,
  expected: Digest,
  what: string,
  onBytes?: (n: number) => void,
): AsyncGenerator<Buffer> {
  const h = newHasher(parseDigest(expected).algorithm)
  for await (const c of stream) {
    h.update(c as Buffer)
    onBytes?.((c as Buffer).length)
    yield c as Buffer
  }
  const actual = `${parseDigest(expected).algorithm}:${h.digest('hex')}`
  if (actual !== expected) throw new DigestMismatchError(expected, actual, what)
}

export type BundleCompression = 'none' | 'gzip' | 'zstd'

/** The bundle's compression from OUT's name: `.gz`/`.tgz` gzip, `.zst`/`.tzst` zstd, else none. */
export function compressionForName(path: string): BundleCompression {
  if (/\.(t?gz)$/i.test(path)) return 'gzip'
  if (/\.(t?zst|zstd)$/i.test(path)) return 'zstd'
  return 'none'
}

/** Entry names inside the bundle: the store's layout relative to its root. */
export const bundlePath = {
  data: (d: Digest): string => blobDataPath('', d),
  repository: (name: string): string => repositoryPath('', name),
  layerLink: (name: string, d: Digest): string => layerLinkPath(repositoryPath('', name), d),
  revisionLink: (name: string, d: Digest): string => revisionLinkPath(repositoryPath('', name), d),
  tagIndexLink: (name: string, tag: string, d: Digest): string => tagIndexLinkPath(repositoryPath('', name), tag, d),
  tagCurrentLink: (name: string, tag: string): string => tagCurrentLinkPath(repositoryPath('', name), tag),
  uploads: (name: string): string => uploadsPath(repositoryPath('', name)),
}

export const IMAGES_FILE = 'images.txt'
export const SUMS_FILE = 'SHA256SUMS'

export interface BundleImage {
  name: string
  tag?: string | undefined
  top: Digest
  /** Every manifest (top, a list's instances) and every blob the repository must link. */
  manifests: Digest[]
  blobs: Digest[]
}

export interface BundleStats {
  images: number
  blobs: number
  /** Bytes of the blobs and manifests stored (each once). */
  blobBytes: number
}

export class BundleWriter {
  private readonly tar: TarWriter
  private readonly piped: Promise<void>
  private readonly dirs = new Set<string>()
  private readonly stored = new Map<Digest, number>()
  private readonly images: BundleImage[] = []
  private state: 'open' | 'finished' | 'discarded' = 'open'
  private queue: Promise<unknown> = Promise.resolve()

  private constructor(
    readonly path: string,
    private readonly out: OutputFile,
    compression: BundleCompression,
  ) {
    // thousands of small entries (links, folders): gathered into large writes before the file
    const gather = new Gather(1 << 20)
    this.piped = pipeline([
      gather,
      ...(compression !== 'none' ? [compressor(compression)] : []),
      out.stream,
    ] as unknown as NodeJS.ReadWriteStream[])
    this.piped.catch(() => undefined)
    this.tar = new TarWriter(gather)
  }

  /** Opens OUT for writing (temp name beside it); `compression` defaults to what OUT's name says. */
  static async create(path: string, compression: BundleCompression = compressionForName(path)): Promise<BundleWriter> {
    // a killed run's temp bundle beside OUT (its name holds its owner) goes first
    await sweepStaleTemps(dirname(resolve(path)), tempPrefixFor(path))
    const out = await openOutputFile(path)
    return new BundleWriter(path, out, compression)
  }

  get stats(): BundleStats {
    return {
      images: this.images.length,
      blobs: this.stored.size,
      blobBytes: [...this.stored.values()].reduce((a, b) => a + b, 0),
    }
  }

  has(d: Digest): boolean {
    return this.stored.has(d)
  }

  /** One entry at a time: the tar is a single stream. */
  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn)
    this.queue = run.catch(() => undefined)
    return run
  }

  private check(): void {
    if (this.state !== 'open')
      throw new SkiffError('ERR_INVALID_ARGUMENT', `${this.path}: the bundle is already ${this.state}`)
  }

  private async parents(name: string): Promise<void> {
    const missing: string[] = []
    for (let d = posix.dirname(name); d !== '.' && !this.dirs.has(d); d = posix.dirname(d)) missing.push(d)
    for (let i = missing.length - 1; i >= 0; i--) {
      this.dirs.add(missing[i]!)
      await this.tar.addDirectory(missing[i]!)
    }
  }

  private async file(
    name: string,
    size: number,
    data: AsyncIterable<Buffer> | Iterable<Buffer>,
    signal?: AbortSignal,
  ): Promise<void> {
    await this.parents(name)
    await this.tar.addFile(name, size, data, signal, 0o644)
  }

  /**
   * Adds blob `d` of `size` bytes from `stream` (hashed on the way: a mismatch fails the write, and
   * the bundle with it). A blob already in the bundle is not written again (the stream is drained).
   */
  addBlob(
    d: Digest,
    size: number,
    stream: Readable,
    opts: { signal?: AbortSignal; what: string; onBytes?: (n: number) => void },
  ): Promise<boolean> {
    return this.locked(async () => {
      this.check()
      if (this.stored.has(d)) {
        stream.destroy()
        return false
      }
      await this.file(bundlePath.data(d), size, verifying(stream, d, opts.what, opts.onBytes), opts.signal)
      this.stored.set(d, size)
      return true
    })
  }

  /** Adds a small blob (a manifest) from memory; its digest must be `d`. */
  addBytes(d: Digest, bytes: Buffer): Promise<boolean> {
    return this.locked(async () => {
      this.check()
      if (this.stored.has(d)) return false
      if (digestOf(bytes) !== d)
        throw new SkiffError('ERR_DIGEST_MISMATCH', `${this.path}: the manifest written as ${d} has another digest`)
      await this.file(bundlePath.data(d), bytes.length, [bytes])
      this.stored.set(d, bytes.length)
      return true
    })
  }

  /** Records an image; its links and tag are written by finish(). Every digest must be in the bundle. */
  addImage(img: BundleImage): void {
    this.check()
    for (const d of [...img.manifests, ...img.blobs])
      if (!this.stored.has(d))
        throw new SkiffError('ERR_INVALID_ARGUMENT', `${this.path}: ${img.name}: ${d} was not written to the bundle`)
    this.images.push(img)
  }

  /** Links, tags (last), images.txt and SHA256SUMS; then the end of the tar, fsync and rename. */
  finish(): Promise<BundleStats> {
    return this.locked(async () => {
      this.check()
      const link = (name: string, d: Digest): Promise<void> => this.file(name, d.length, [Buffer.from(d)])
      const written = new Set<string>()
      const once = async (name: string, d: Digest): Promise<void> => {
        if (written.has(name)) return
        written.add(name)
        await link(name, d)
      }
      for (const img of this.images) {
        await this.parents(`${bundlePath.uploads(img.name)}/x`)
        for (const d of img.blobs) await once(bundlePath.layerLink(img.name, d), d)
        for (const d of img.manifests) await once(bundlePath.revisionLink(img.name, d), d)
      }
      for (const img of this.images)
        if (img.tag !== undefined) await once(bundlePath.tagIndexLink(img.name, img.tag, img.top), img.top)
      // a tag named twice (two sources → one bundle name) keeps the last, as a registry would
      const tags = new Map<string, BundleImage>()
      for (const img of this.images) if (img.tag !== undefined) tags.set(`${img.name}:${img.tag}`, img)
      for (const img of tags.values()) await link(bundlePath.tagCurrentLink(img.name, img.tag!), img.top)
      const list = [...tags.entries()].map(([ref, img]) => `${ref} ${img.top}\n`).join('')
      await this.file(IMAGES_FILE, Buffer.byteLength(list), [Buffer.from(list)])
      const sums = [...this.stored.keys()]
        .sort()
        .map((d) => `${digestHex(d)}  ${bundlePath.data(d)}\n`)
        .join('')
      await this.file(SUMS_FILE, Buffer.byteLength(sums), [Buffer.from(sums)])
      await this.tar.finish()
      await this.piped
      await this.out.commit()
      this.state = 'finished'
      return this.stats
    })
  }

  /** Stops writing and removes the temp file. Idempotent. */
  async discard(): Promise<void> {
    if (this.state !== 'open') return
    this.state = 'discarded'
    this.tar.abort()
    await this.out.discard()
  }
}
