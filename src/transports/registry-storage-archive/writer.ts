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
import { once } from 'node:events'
import type { Readable, Writable } from 'node:stream'
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
import { endOfArchive, entryHeader, padding } from './tar-encode.js'
import {
  blobDataPath,
  layerLinkPath,
  repositoryPath,
  revisionLinkPath,
  tagCurrentLinkPath,
  tagIndexLinkPath,
  uploadsPath,
} from '../registry-storage/layout.js'

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

const GATHER = 1 << 20

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
  /** Where the tar goes: the compressor, or the output file itself. */
  private readonly sink: Writable
  private readonly piped: Promise<void>
  private failure: unknown
  private readonly dirs = new Set<string>()
  private readonly stored = new Map<Digest, number>()
  private readonly images: BundleImage[] = []
  private state: 'open' | 'finished' | 'discarded' = 'open'
  private queue: Promise<unknown> = Promise.resolve()
  /** Bytes gathered for the next write (thousands of tiny entries become a few large writes). */
  private pending: Buffer[] = []
  private pendingBytes = 0

  private constructor(
    readonly path: string,
    private readonly out: OutputFile,
    compression: BundleCompression,
  ) {
    if (compression !== 'none') {
      const z = compressor(compression)
      this.piped = pipeline(z, out.stream)
      this.sink = z
    } else {
      this.sink = out.stream
      this.piped = new Promise<void>((res, rej) => {
        out.stream.once('error', rej)
        out.stream.once('finish', () => res())
      })
    }
    this.piped.catch((e: unknown) => {
      this.failure ??= e
    })
  }

  /** Opens OUT for writing (temp name beside it); `compression` defaults to what OUT's name says. */
  static async create(path: string, compression: BundleCompression = compressionForName(path)): Promise<BundleWriter> {
    // a killed run's temp bundle beside OUT (its name holds its owner) goes first
    await sweepStaleTemps(dirname(resolve(path)), tempPrefixFor(path))
    let out: OutputFile
    try {
      out = await openOutputFile(path)
    } catch (e) {
      const why =
        (e as { code?: string }).code === 'ENOENT'
          ? `the folder ${dirname(resolve(path))} does not exist`
          : (e as Error).message
      throw new SkiffError('ERR_IO', `cannot write the bundle ${path}: ${why}`, { cause: e })
    }
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
    if (this.failure !== undefined) throw this.failure
    if (this.state !== 'open')
      throw new SkiffError('ERR_INVALID_ARGUMENT', `${this.path}: the bundle is already ${this.state}`)
  }

  /** Queues `buf` for the output; writes when a megabyte has gathered (or `force`), waiting for drain. */
  private async push(buf: Buffer, force = false): Promise<void> {
    if (buf.length > 0) {
      this.pending.push(buf)
      this.pendingBytes += buf.length
    }
    if (this.pendingBytes < GATHER && !force) return
    if (this.failure !== undefined) throw this.failure
    const chunk = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes)
    this.pending = []
    this.pendingBytes = 0
    if (chunk.length > 0 && !this.sink.write(chunk)) {
      await Promise.race([once(this.sink, 'drain'), this.piped.then(() => undefined)])
    }
    if (this.failure !== undefined) throw this.failure
  }

  private async parents(name: string): Promise<void> {
    const missing: string[] = []
    for (let d = posix.dirname(name); d !== '.' && !this.dirs.has(d); d = posix.dirname(d)) missing.push(d)
    for (let i = missing.length - 1; i >= 0; i--) {
      this.dirs.add(missing[i]!)
      await this.push(entryHeader(missing[i]!, 0, 0o755, '5'))
    }
  }

  /** A whole file entry from memory. */
  private async bytesEntry(name: string, data: Buffer): Promise<void> {
    await this.parents(name)
    await this.push(entryHeader(name, data.length, 0o644, '0'))
    await this.push(data)
    await this.push(padding(data.length))
  }

  /** A file entry of exactly `size` bytes from `data`; a short or long stream fails the bundle. */
  private async streamEntry(
    name: string,
    size: number,
    data: AsyncIterable<Buffer>,
    signal?: AbortSignal,
  ): Promise<void> {
    await this.parents(name)
    await this.push(entryHeader(name, size, 0o644, '0'))
    let n = 0
    for await (const c of data) {
      signal?.throwIfAborted()
      n += c.length
      if (n > size) throw new SkiffError('ERR_SIZE_MISMATCH', `${name}: more data than the expected ${size} bytes`)
      await this.push(c)
    }
    if (n !== size)
      throw new SkiffError('ERR_SIZE_MISMATCH', `${name}: got ${n} bytes, expected ${size}; the source is truncated`)
    await this.push(padding(size))
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
      try {
        await this.streamEntry(bundlePath.data(d), size, verifying(stream, d, opts.what, opts.onBytes), opts.signal)
      } catch (e) {
        // a partial entry corrupts the tar: nothing more can be written to it
        this.failure ??= e
        stream.destroy()
        throw e
      }
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
      await this.bytesEntry(bundlePath.data(d), bytes)
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
      if (this.failure !== undefined) throw this.failure
      const link = (name: string, d: Digest): Promise<void> => this.bytesEntry(name, Buffer.from(d))
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
      await this.bytesEntry(IMAGES_FILE, Buffer.from(list))
      const sums = [...this.stored.keys()]
        .sort()
        .map((d) => `${digestHex(d)}  ${bundlePath.data(d)}\n`)
        .join('')
      await this.bytesEntry(SUMS_FILE, Buffer.from(sums))
      await this.push(endOfArchive(), true)
      this.sink.end()
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
    this.sink.destroy()
    await this.out.discard()
  }
}
