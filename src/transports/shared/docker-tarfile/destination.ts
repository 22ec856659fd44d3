/**
 * An ImageDestination that writes a `docker save`-formatted tar stream, as containers/image's
 * tarfile writer does: layers as `<hex>.tar` (hex = sha256 of the bytes received), the config as
 * `<hex>.json`, legacy `<id>/{layer.tar,VERSION,json}` entries, then manifest.json and
 * repositories at the end. Where the stream goes (file, FIFO, daemon) is the `output`'s business.
 */
import type { Readable } from 'node:stream'
import { DigestMismatchError, ManifestTypeRejectedError, SkiffError, opt, withOptions } from '../../../errors.js'
import { digestOf, isValidDigest, newHasher, parseDigest, type Digest } from '../../../digest/digest.js'
import { MT } from '../../../manifest/media-types.js'
import type { DockerReference } from '../../../reference/docker-reference.js'
import type { DestinationProperties, ImageReference, PutBlobOptions, ReuseOptions } from '../../types.js'
import type { BlobInfo } from '../../../manifest/types.js'
import { StagedDestination } from '../staged-destination.js'
import { goMarshalMap, type GoValue } from '../../../go/raw-json.js'
import {
  configPath,
  LEGACY_CONFIG_FILE,
  LEGACY_LAYER_FILE,
  LEGACY_VERSION,
  LEGACY_VERSION_FILE,
  legacyLayers,
  physicalLayerPath,
} from './legacy.js'
import { MANIFEST_JSON, REPOSITORIES, type ManifestItem } from './manifest-json.js'
import { spoolBlob } from './spool.js'
import { isWriteFailure } from '../../../util/write-error.js'
import type { TarWriter } from './tar-writer.js'
import { MAX_CONFIG_SIZE, sizeLimitMessage } from '../../../util/limits.js'
import type { Signature } from '../../../signature/types.js'

export const TARFILE_DESTINATION_PROPERTIES: DestinationProperties = {
  supportedManifestMediaTypes: [MT.DOCKER_V2S2],
  desiredLayerCompression: 'decompress',
  supportsMultiImage: false,
  acceptsForeignLayerURLs: false,
  hasThreadSafePutBlob: false,
  supportsSignatures: false,
}

/** Where the tar stream ends up: made visible on commit, thrown away otherwise. */
export interface TarfileOutput {
  commit(): Promise<void>
  discard(): Promise<void>
  /** Optional: turns a failure of the tar stream (ENOSPC, EPIPE, …) into the error users see. */
  mapError?(e: unknown): unknown
}

export interface TarfileDestinationOptions {
  /** Tagged references to record as RepoTags (`docker.io/library/busybox:latest`). */
  repoTags: DockerReference[]
  tmpdir?: string | undefined
}

async function readAll(stream: Readable, limit: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = []
  let n = 0
  for await (const c of stream) {
    n += (c as Buffer).length
    if (n > limit) throw new SkiffError('ERR_INVALID_ARGUMENT', `${what}: ${sizeLimitMessage(limit)}`)
    chunks.push(c as Buffer)
  }
  return Buffer.concat(chunks)
}

async function* verifying(stream: Readable, expected: Digest, what: string): AsyncGenerator<Buffer> {
  const h = newHasher(parseDigest(expected).algorithm)
  for await (const c of stream) {
    h.update(c as Buffer)
    yield c as Buffer
  }
  const actual = `${parseDigest(expected).algorithm}:${h.digest('hex')}`
  if (actual !== expected) throw new DigestMismatchError(expected, actual, what)
}

export class TarfileDestination extends StagedDestination {
  readonly properties = TARFILE_DESTINATION_PROPERTIES
  private readonly blobs = new Map<Digest, number>()
  private readonly configs = new Map<Digest, Buffer>()
  private readonly legacyIDs = new Set<string>()
  private readonly items: ManifestItem[] = []
  private readonly repositories = new Map<string, Map<string, string>>()
  private queue: Promise<unknown> = Promise.resolve()

  constructor(
    reference: ImageReference,
    private readonly writer: TarWriter,
    private readonly output: TarfileOutput,
    private readonly opts: TarfileDestinationOptions,
  ) {
    super(reference)
  }

  /** An output failure (or an unambiguous write error such as ENOSPC) in the output's words; anything else as it is. */
  private mapError(e: unknown): unknown {
    if (!this.output.mapError) return e
    return this.writer.outputFailed || isWriteFailure(e) ? this.output.mapError(e) : e
  }

  /** Runs `fn` after every earlier tar write (entries are written one at a time). */
  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const mapped = async (): Promise<T> => {
      try {
        return await fn()
      } catch (e) {
        throw this.mapError(e)
      }
    }
    const run = this.queue.then(mapped, mapped)
    this.queue = run.catch(() => undefined)
    return run
  }

  async tryReusingBlob(info: BlobInfo, opts: ReuseOptions = {}): Promise<BlobInfo | undefined> {
    const size = this.blobs.get(info.digest)
    if (size !== undefined) return { digest: info.digest, size }
    const u = opts.uncompressedDigest
    if (opts.canSubstitute && u !== undefined && this.blobs.has(u))
      return { digest: u, size: this.blobs.get(u)!, mediaType: MT.DOCKER_LAYER_TAR }
    return undefined
  }

  async putBlob(stream: Readable, info: BlobInfo, opts: PutBlobOptions = {}): Promise<BlobInfo> {
    this.assertOpen('putBlob()')
    const what = `${this.image}: blob ${info.digest}`
    if (opts.isConfig) {
      const bytes = await readAll(stream, MAX_CONFIG_SIZE, `${this.image}: image config`)
      const digest = digestOf(bytes)
      if (opts.expectedDigest !== undefined && opts.expectedDigest !== digest)
        throw new DigestMismatchError(opts.expectedDigest, digest, what)
      return this.locked(async () => {
        this.configs.set(digest, bytes)
        if (!this.blobs.has(digest)) {
          await this.writer.addBytes(configPath(digest), bytes)
          this.blobs.set(digest, bytes.length)
        }
        return { digest, size: bytes.length, mediaType: MT.DOCKER_CONFIG }
      })
    }
    const expected = opts.expectedDigest
    if (info.size >= 0 && expected !== undefined && isValidDigest(expected)) {
      // Name and size are known: stream straight into the archive, verifying on the way.
      return this.locked(async () => {
        if (this.blobs.has(expected)) {
          stream.resume()
          return { digest: expected, size: this.blobs.get(expected)! }
        }
        await this.writer.addFile(
          physicalLayerPath(expected),
          info.size,
          verifying(stream, expected, what),
          opts.signal,
        )
        this.blobs.set(expected, info.size)
        return { digest: expected, size: info.size }
      })
    }
    const spooled = await spoolBlob(stream, {
      tmpdir: this.opts.tmpdir,
      signal: opts.signal,
      expectedDigest: expected,
      what,
      image: this.image,
    })
    try {
      return await this.locked(async () => {
        if (!this.blobs.has(spooled.digest)) {
          await this.writer.addFile(physicalLayerPath(spooled.digest), spooled.size, spooled.open(), opts.signal)
          this.blobs.set(spooled.digest, spooled.size)
        }
        return { digest: spooled.digest, size: spooled.size }
      })
    } finally {
      await spooled.remove()
    }
  }

  async putManifest(bytes: Buffer, mediaType: string, instance?: Digest): Promise<void> {
    this.assertOpen('putManifest()')
    if (instance !== undefined) {
      throw new SkiffError(
        'ERR_UNSUPPORTED',
        withOptions`${this.image}: docker archives cannot store manifest lists; copy one image (${opt('multiArch', { value: 'all' })} is not supported here)`,
        { image: this.image },
      )
    }
    let m: { schemaVersion?: number; mediaType?: string; config?: BlobInfo; layers?: BlobInfo[] }
    try {
      m = JSON.parse(bytes.toString('utf8'))
    } catch (e) {
      throw new SkiffError('ERR_MANIFEST_INVALID', `${this.image}: manifest is not valid JSON`, {
        image: this.image,
        cause: e,
      })
    }
    const type = m.mediaType ?? mediaType
    if (m.schemaVersion !== 2 || type !== MT.DOCKER_V2S2 || !m.config || !Array.isArray(m.layers)) {
      throw new ManifestTypeRejectedError(
        type || mediaType,
        `${this.image}: docker archives store only Docker schema2 manifests (${MT.DOCKER_V2S2}), not ${type || 'this manifest'}`,
        { image: this.image },
      )
    }
    const config = this.configs.get(m.config.digest)
    if (!config)
      throw new SkiffError(
        'ERR_INVALID_ARGUMENT',
        `${this.image}: the manifest's config ${m.config.digest} was not written to the archive`,
        { image: this.image },
      )
    const layers = m.layers.map((l) => l.digest)
    for (const d of layers) {
      if (!this.blobs.has(d))
        throw new SkiffError(
          'ERR_INVALID_ARGUMENT',
          `${this.image}: the manifest's layer ${d} was not written to the archive`,
          { image: this.image },
        )
    }
    await this.locked(async () => {
      const legacy = legacyLayers(layers, config)
      for (const l of legacy) {
        if (this.legacyIDs.has(l.id)) continue
        await this.writer.addSymlink(`${l.id}/${LEGACY_LAYER_FILE}`, `../${l.layerFile}`)
        await this.writer.addBytes(`${l.id}/${LEGACY_VERSION_FILE}`, Buffer.from(LEGACY_VERSION))
        await this.writer.addBytes(`${l.id}/${LEGACY_CONFIG_FILE}`, l.json)
        this.legacyIDs.add(l.id)
      }
      const repoTags: string[] = []
      for (const r of this.opts.repoTags) {
        const s = `${r.name}:${r.tag}`
        if (!repoTags.includes(s)) repoTags.push(s)
        const top = legacy[legacy.length - 1]
        if (top) {
          const tags = this.repositories.get(r.name) ?? new Map<string, string>()
          tags.set(r.tag!, top.id)
          this.repositories.set(r.name, tags)
        }
      }
      this.items.push({
        Config: configPath(m.config!.digest),
        RepoTags: repoTags,
        Layers: layers.map(physicalLayerPath),
      })
    })
    this.topManifest = { digest: digestOf(bytes), mediaType: type, size: bytes.length }
  }

  async putSignatures(signatures: Signature[], instance?: Digest): Promise<void> {
    this.assertOpen('putSignatures()')
    if (signatures.length > 0 || instance !== undefined) {
      throw new SkiffError(
        'ERR_UNSUPPORTED',
        withOptions`${this.image}: docker archives cannot store signatures; use ${opt('removeSignatures', { value: true })}`,
        { image: this.image },
      )
    }
  }

  /** Writes manifest.json, repositories and the end of the archive, then lets the output make it visible. */
  protected async publish(): Promise<void> {
    this.requireTopManifest()
    await this.locked(async () => {
      await this.writer.addBytes(MANIFEST_JSON, Buffer.from(JSON.stringify(this.items)))
      const repos: Record<string, GoValue> = {}
      for (const [name, tags] of this.repositories) repos[name] = { raw: goMarshalMap(Object.fromEntries(tags)) }
      await this.writer.addBytes(REPOSITORIES, Buffer.from(goMarshalMap(repos)))
      await this.writer.finish()
    })
    try {
      await this.output.commit()
    } catch (e) {
      throw this.output.mapError ? this.output.mapError(e) : e
    }
  }

  /** Stops the tar stream and lets the output throw it away (temp file removed, daemon request aborted). */
  protected async discard(): Promise<void> {
    this.writer.abort()
    await this.queue.catch(() => undefined)
    await this.output.discard()
  }
}
