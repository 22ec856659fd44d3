/**
 * Reading from a registry: manifests (every supported type in Accept), blobs (redirects followed;
 * a dropped download resumes with `Range: bytes=N-`), the tag list. Raw bytes: the engine verifies.
 */
import { Readable } from 'node:stream'
import { ImageNotFoundError, InvalidReferenceError, SkiffError, isSkiffError } from '../../errors.js'
import type { Digest } from '../../digest/digest.js'
import { releaseClient, type RegistryClient } from '../../registry/client.js'
import { describeNetworkError, header, type HttpResponse } from '../../registry/http.js'
import { sleep } from '../../util/retry.js'
import type { ManifestResponse, Repository } from '../../registry/repository.js'
import type { ImageSource, TransportOptions } from '../types.js'
import type { BlobInfo } from '../../manifest/types.js'
import { manifestDigest, parseManifest, resolveMediaType } from '../../manifest/parse.js'
import { readLookaside, signatureStorage } from './lookaside.js'
import { readSigstoreAttachments } from './sigstore-attachments.js'
import { openRepository, openRepositoryAt, pullCandidates, withContext } from './options.js'
import type { PullSource } from '../../config/registries-conf/index.js'
import type { DockerRef } from './types.js'
import type { Signature } from '../../signature/types.js'

/** Resumes of one blob download after it made progress (they spend no retry; see util/retry.ts). */
const MAX_RESUMES = 5

export class DockerImageSource implements ImageSource {
  private top: Promise<ManifestResponse> | undefined
  private closed = false
  private readonly recorded = new WeakSet<Buffer>()

  private constructor(
    readonly reference: DockerRef,
    private readonly client: RegistryClient,
    private readonly repo: Repository,
    private readonly opts: TransportOptions | undefined,
    /** This source reads from the named registry itself (no rewrite, no mirror). */
    private readonly atNamed: boolean,
  ) {}

  private get signal(): AbortSignal | undefined {
    return this.opts?.signal
  }

  /**
   * Opens the first pull source (registries.conf mirrors, then the primary location) that has the
   * image. With a single source (the usual case) nothing is fetched until getManifest.
   */
  static async open(ref: DockerRef, options?: TransportOptions): Promise<DockerImageSource> {
    const opts = withContext(options) // one context for every endpoint tried
    if (ref.unknownDigest)
      throw new InvalidReferenceError(
        `${ref.toString()}: an @@unknown-digest@@ reference can only be written to, not read`,
      )
    const sources = await pullCandidates(ref, opts)
    const isNamed = (s: PullSource): boolean => !s.mirror && s.reference.name === ref.ref.name
    if (sources.length === 1 && !sources[0]!.blocked) {
      const { client, repo } = await openRepositoryAt(ref, sources[0]!.reference, sources[0]!.insecure, opts)
      return new DockerImageSource(ref, client, repo, opts, isNamed(sources[0]!))
    }
    const failures: { where: string; error: unknown }[] = []
    for (const s of sources) {
      const where = `${s.mirror ? 'mirror' : 'primary'} ${s.reference.name}`
      if (s.blocked) {
        failures.push({
          where,
          error: new SkiffError('ERR_POLICY_DENIED', `${s.reference.name} is blocked in registries.conf`),
        })
        continue
      }
      const { client, repo } = await openRepositoryAt(ref, s.reference, s.insecure, opts)
      const src = new DockerImageSource(ref, client, repo, opts, isNamed(s))
      try {
        await src.getManifest()
        client.log(() => `registry: reading ${ref.toString()} from ${where}`)
        return src
      } catch (e) {
        await src.close()
        if (opts?.signal?.aborted) throw e
        failures.push({ where, error: e })
      }
    }
    const last = failures[failures.length - 1]?.error
    if (failures.every((f) => f.error instanceof ImageNotFoundError) && last) throw last
    const code = isSkiffError(last) ? last.code : 'ERR_REGISTRY'
    throw new SkiffError(
      code,
      `${ref.toString()}: could not read the image from any source: ${failures.map((f) => `${f.where}: ${(f.error as Error).message}`).join('; ')}`,
      { image: ref.toString(), cause: last },
    )
  }

  async getManifest(instance?: Digest): Promise<{ bytes: Buffer; mediaType: string; digest?: Digest }> {
    if (instance !== undefined) {
      const m = await this.repo.getManifest(instance, this.signal)
      this.recordLocations(m)
      return { bytes: m.bytes, mediaType: m.mediaType, digest: instance }
    }
    if (!this.top) {
      const r = this.reference.ref
      this.top = this.repo.getManifest(r.digest ?? r.tag ?? 'latest', this.signal)
      this.top.catch(() => {
        this.top = undefined
      })
    }
    const m = await this.top
    this.recordLocations(m)
    const digest = this.reference.ref.digest ?? m.digest
    return { bytes: m.bytes, mediaType: m.mediaType, ...(digest ? { digest } : {}) }
  }

  /**
   * A registry only accepts a manifest whose blobs are in the repository, so its blobs are known to
   * live here: remembering that lets a push to another repository of this registry mount them.
   */
  private recordLocations(m: ManifestResponse): void {
    if (this.recorded.has(m.bytes)) return
    this.recorded.add(m.bytes)
    try {
      const parsed = parseManifest(m.bytes, resolveMediaType(m.bytes, m.mediaType || undefined))
      if (parsed.kind !== 'image') return
      for (const b of [parsed.config, ...parsed.layers]) {
        if (b && !b.urls?.length) this.client.blobLocations.record(this.client.registry, this.repo.name, b.digest)
      }
    } catch {
      // not parseable here: the engine will say so
    }
  }

  async getBlob(info: BlobInfo, opts: { signal?: AbortSignal } = {}): Promise<{ stream: Readable; size: number }> {
    const signal = opts.signal ?? this.signal
    const first = await this.repo.getBlob(info.digest, signal ? { signal } : {})
    const len = Number(header(first.headers, 'content-length'))
    const size =
      info.size >= 0
        ? info.size
        : Number.isFinite(len) && header(first.headers, 'content-length') !== undefined
          ? len
          : -1
    this.client.blobLocations.record(this.client.registry, this.repo.name, info.digest)
    return { stream: Readable.from(this.resumingBody(first, info.digest, size, signal), { objectMode: false }), size }
  }

  /**
   * Yields the body; when the connection drops, asks for the rest with Range and carries on. A
   * break after bytes arrived is resumed at once (at most MAX_RESUMES times); a break before any
   * byte of this attempt spends a retry of the operation's budget (util/retry.ts) first.
   */
  private async *resumingBody(
    first: HttpResponse,
    digest: Digest,
    size: number,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<Buffer> {
    const budget = this.opts?.retry ?? this.client.http.requestBudget()
    let res = first
    let received = 0
    let skip = 0
    for (let resumes = 0; ;) {
      const atStart = received
      try {
        for await (const chunk of res.body as AsyncIterable<Buffer>) {
          let c = chunk
          if (skip > 0) {
            if (c.length <= skip) {
              skip -= c.length
              continue
            }
            c = c.subarray(skip)
            skip = 0
          }
          received += c.length
          yield c
        }
        return
      } catch (e) {
        if (signal?.aborted) throw e
        const fail = (): unknown => {
          const d = describeNetworkError(e, 'GET', res.url, this.client.http.idleTimeoutMs)
          return d
            ? this.repo.named(
                new SkiffError(
                  d.code,
                  `reading blob ${digest} (after ${received} bytes, ${resumes} resumes): ${d.message}`,
                  { cause: e },
                ),
              )
            : e
        }
        if (size >= 0 && received >= size) throw fail()
        if (received > atStart) {
          if (resumes >= MAX_RESUMES) throw fail()
        } else {
          const delay = budget.take(fail(), 'request')
          if (delay === undefined) throw fail()
          await sleep(delay, signal)
        }
        resumes++
        this.client.log(
          () =>
            `registry: download of ${digest} broke after ${received} bytes (${(e as Error).message}); resuming (${resumes})`,
        )
        res = await this.repo.getBlob(digest, { offset: received, ...(signal ? { signal } : {}) })
        if (res.status === 206) {
          const start = /^bytes\s+(\d+)-/.exec(header(res.headers, 'content-range') ?? '')
          if (start && Number(start[1]) !== received) {
            // not where we asked: read from where it starts
            const s = Number(start[1])
            if (s > received) throw e
            skip = received - s
          }
        } else {
          skip = received // the server ignored Range: skip what we already have
        }
      }
    }
  }

  /**
   * The lookaside signatures of the top-level manifest (or `instance`), then, with
   * use-sigstore-attachments, the sigstore attachments (registries.d; lookaside.ts).
   */
  async getSignatures(instance?: Digest): Promise<Signature[]> {
    const digest = instance ?? (await this.topDigest())
    const storage = await signatureStorage(this.reference, this.opts)
    const image = this.reference.toString()
    const sigs = await readLookaside(storage.read, digest, image, this.signal)
    if (storage.useSigstoreAttachments)
      sigs.push(
        ...(await readSigstoreAttachments(
          { repo: this.repo, image, ...(this.signal ? { signal: this.signal } : {}) },
          digest,
        )),
      )
    return sigs
  }

  /** The digest of the top-level manifest: the reference's own sha256 digest, else of the bytes. */
  private async topDigest(): Promise<Digest> {
    const named = this.reference.ref.digest
    if (named?.startsWith('sha256:')) return named
    const top = await this.getManifest()
    return manifestDigest(top.bytes, top.mediaType)
  }

  /**
   * The tags of the named repository (inspect's RepoTags), as skopeo: from the registry the user
   * named, not from the mirror or rewritten location the manifest came from.
   */
  async listTags(): Promise<string[]> {
    const signal = this.signal ? { signal: this.signal } : {}
    if (this.atNamed) return this.repo.listTags(signal)
    const { client, repo } = await openRepository(this.reference, this.opts)
    try {
      return await repo.listTags(signal)
    } finally {
      await releaseClient(client)
    }
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await releaseClient(this.client)
  }
}
