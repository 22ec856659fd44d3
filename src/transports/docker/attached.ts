/**
 * Copying what is attached to an image in a registry (skiff's `--referrers` / `--digest-tags`; skopeo
 * has neither, regctl has both):
 *
 * - OCI 1.1 referrers: manifests whose `subject` is the image. Listed with the referrers API
 *   (`GET /v2/<name>/referrers/<digest>`, every page) when the registry has it (200), else from the
 *   fallback tag `sha256-<hex>` (an OCI index), as the distribution spec says clients do. Each is
 *   copied by digest, unchanged (children, config and layers first); at a destination without the
 *   API the fallback tag's index is updated too. Referrers of referrers follow, to a bounded depth.
 * - cosign digest tags: `sha256-<hex>.sig`, `.att`, `.sbom` copied under the same tag.
 *
 * Everything the destination already has (a manifest by digest, a tag with the same digest, a blob)
 * is skipped. Blobs stream through a DigestingStream, so nothing unverified is sent.
 */
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { SkiffError, isSkiffError } from '../../errors.js'
import { digestOf, isValidDigest, parseDigest, type Digest } from '../../digest/digest.js'
import { DigestingStream, verifyBytes } from '../../digest/verify.js'
import { goMarshal } from '../../go/json.js'
import { MT } from '../../manifest/media-types.js'
import { releaseClient } from '../../registry/client.js'
import { discard, header, readBody } from '../../registry/http.js'
import type { Repository } from '../../registry/repository.js'
import { MAX_INDEX_SIZE, sizeLimitMessage } from '../../util/limits.js'
import type { AttachedCopyEvent, AttachedCopyOptions, AttachedCopyResult } from '../types.js'
import { openRepository } from './options.js'
import type { DockerRef } from './types.js'

/** Referrers of referrers are followed this deep (a signature of an SBOM of the image is depth 2). */
const MAX_DEPTH = 4
/** At most this many referrers API pages per subject. */
const MAX_PAGES = 100
export const DIGEST_TAG_SUFFIXES = ['sig', 'att', 'sbom'] as const

interface Descriptor {
  mediaType: string
  digest: Digest
  size: number
  artifactType?: string
  annotations?: Record<string, string>
}

function isNotFound(e: unknown): boolean {
  return isSkiffError(e) && e.code === 'ERR_IMAGE_NOT_FOUND'
}

/** `sha256-<hex>`: the fallback tag of a digest. */
export function referrersTag(d: Digest): string {
  const { algorithm, hex } = parseDigest(d)
  return `${algorithm}-${hex}`
}

function descriptorsOf(index: unknown, where: string): Descriptor[] {
  const m = (index as { manifests?: unknown })?.manifests
  if (!Array.isArray(m)) throw new SkiffError('ERR_MANIFEST_INVALID', `${where}: not an image index`)
  const out: Descriptor[] = []
  for (const d of m as Record<string, unknown>[]) {
    if (!d || typeof d.digest !== 'string' || !isValidDigest(d.digest) || typeof d.mediaType !== 'string') continue
    const desc: Descriptor = {
      mediaType: d.mediaType,
      digest: d.digest,
      size: typeof d.size === 'number' ? d.size : -1,
    }
    if (typeof d.artifactType === 'string') desc.artifactType = d.artifactType
    if (d.annotations && typeof d.annotations === 'object') desc.annotations = d.annotations as Record<string, string>
    out.push(desc)
  }
  return out
}

/** The referrers API's answer for `d`: the descriptors, or undefined when the registry has no such API. */
async function referrersFromApi(repo: Repository, d: Digest, signal?: AbortSignal): Promise<Descriptor[] | undefined> {
  const out: Descriptor[] = []
  let path: string | undefined = `/v2/${repo.name}/referrers/${d}`
  for (let page = 0; path && page < MAX_PAGES; page++) {
    const tooLarge = (): Error =>
      new SkiffError('ERR_MANIFEST_INVALID', `${repo.image}: referrers of ${d}: ${sizeLimitMessage(MAX_INDEX_SIZE)}`)
    const res = await repo.client.request({
      method: 'GET',
      path,
      headers: { accept: MT.OCI_INDEX },
      scopes: repo.pullScopes,
      repo: repo.name,
      followRedirects: true,
      maxBodySize: MAX_INDEX_SIZE,
      tooLarge,
      ...(repo.retry ? { retry: repo.retry } : {}),
      ...(signal ? { signal } : {}),
    })
    if (res.status === 404 && page === 0) {
      await discard(res)
      return undefined
    }
    if (res.status !== 200) throw await repo.fail(res, `listing the referrers of ${d}`)
    let parsed: unknown
    try {
      parsed = JSON.parse((await readBody(res)).toString('utf8'))
    } catch {
      throw new SkiffError('ERR_MANIFEST_INVALID', `${repo.image}: the referrers of ${d} are not JSON`)
    }
    out.push(...descriptorsOf(parsed, `${repo.image}: referrers of ${d}`))
    const next = /<([^>]+)>\s*;\s*rel="?next"?/.exec(header(res.headers, 'link') ?? '')?.[1]
    path = next ? new URL(next, res.url).pathname + new URL(next, res.url).search : undefined
  }
  return out
}

/** The fallback tag's index of `d` in `repo` ([] when the tag does not exist). */
async function referrersFromTag(repo: Repository, d: Digest, signal?: AbortSignal): Promise<Descriptor[]> {
  const tag = referrersTag(d)
  try {
    const m = await repo.getManifest(tag, signal)
    if (m.mediaType !== MT.OCI_INDEX) return []
    return descriptorsOf(JSON.parse(m.bytes.toString('utf8')), `${repo.image}: ${tag}`)
  } catch (e) {
    if (isNotFound(e)) return []
    throw e
  }
}

class AttachedCopier {
  readonly result: AttachedCopyResult = { referrers: 0, digestTags: 0, skipped: 0 }
  /** Whether the destination has the referrers API (asked once). */
  private destApi: Promise<boolean> | undefined
  private readonly blobsDone = new Set<Digest>()

  constructor(
    private readonly src: Repository,
    private readonly dest: Repository,
    private readonly opts: AttachedCopyOptions,
  ) {}

  private emit(e: AttachedCopyEvent): void {
    this.opts.onEvent?.(e)
  }

  private get signal(): AbortSignal | undefined {
    return this.opts.signal
  }

  private destHasApi(subject: Digest): Promise<boolean> {
    this.destApi ??= referrersFromApi(this.dest, subject, this.signal).then((r) => r !== undefined)
    return this.destApi
  }

  private async copyBlob(d: Digest, size: number): Promise<void> {
    if (this.blobsDone.has(d)) return
    if ((await this.dest.headBlob(d, this.signal)) === undefined) {
      const res = await this.src.getBlob(d, this.signal ? { signal: this.signal } : {})
      const verifier = new DigestingStream({
        digest: d,
        ...(size >= 0 ? { size } : {}),
        what: `${this.src.image}: blob ${d}`,
      })
      const feeding = pipeline(res.body as unknown as Readable, verifier)
      feeding.catch(() => {})
      const known = size >= 0 ? size : Number(header(res.headers, 'content-length') ?? -1)
      await this.dest.uploadBlob(verifier, Number.isFinite(known) ? known : -1, d, this.signal)
      await feeding
    }
    this.blobsDone.add(d)
  }

  /** Copies the manifest `d` (and what it refers to) unless the destination has it; returns its bytes. */
  private async copyManifest(d: Digest, tag?: string): Promise<{ bytes: Buffer; mediaType: string; copied: boolean }> {
    const got = await this.src.getManifest(d, this.signal)
    verifyBytes(got.bytes, d, `${this.src.image}: manifest ${d}`)
    const have = await this.dest.headManifest(tag ?? d, this.signal)
    if (have?.digest === d) return { bytes: got.bytes, mediaType: got.mediaType, copied: false }
    let m: { manifests?: Descriptor[]; config?: Descriptor; layers?: Descriptor[] }
    try {
      m = JSON.parse(got.bytes.toString('utf8')) as typeof m
    } catch {
      throw new SkiffError('ERR_MANIFEST_INVALID', `${this.src.image}: manifest ${d} is not JSON`)
    }
    if (Array.isArray(m.manifests)) {
      for (const c of descriptorsOf(m, `${this.src.image}: ${d}`)) await this.copyManifest(c.digest)
    } else {
      for (const b of [m.config, ...(m.layers ?? [])]) {
        if (b && typeof b.digest === 'string' && isValidDigest(b.digest)) await this.copyBlob(b.digest, b.size ?? -1)
      }
    }
    await this.dest.putManifest(tag ?? d, got.bytes, got.mediaType || MT.OCI_MANIFEST, this.signal)
    return { bytes: got.bytes, mediaType: got.mediaType, copied: true }
  }

  /** Adds `desc` to the destination's fallback tag index of `subject` (when it is not there yet). */
  private async addToFallbackIndex(subject: Digest, desc: Descriptor): Promise<void> {
    const tag = referrersTag(subject)
    let manifests: Descriptor[] = []
    try {
      const m = await this.dest.getManifest(tag, this.signal)
      if (m.mediaType === MT.OCI_INDEX) manifests = descriptorsOf(JSON.parse(m.bytes.toString('utf8')), tag)
    } catch (e) {
      if (!isNotFound(e)) throw e
    }
    if (manifests.some((x) => x.digest === desc.digest)) return
    manifests.push(desc)
    const index = goMarshal({
      schemaVersion: 2,
      mediaType: MT.OCI_INDEX,
      manifests: manifests.map((x) => ({
        mediaType: x.mediaType,
        digest: x.digest,
        size: x.size,
        ...(x.annotations && Object.keys(x.annotations).length
          ? { annotations: new Map(Object.entries(x.annotations).sort()) }
          : {}),
        ...(x.artifactType ? { artifactType: x.artifactType } : {}),
      })),
    })
    await this.dest.putManifest(tag, Buffer.from(index), MT.OCI_INDEX, this.signal)
  }

  async referrers(subject: Digest, depth: number, seen: Set<Digest>): Promise<void> {
    const listed =
      (await referrersFromApi(this.src, subject, this.signal)) ??
      (await referrersFromTag(this.src, subject, this.signal))
    for (const desc of listed) {
      if (seen.has(desc.digest)) continue
      seen.add(desc.digest)
      const { copied } = await this.copyManifest(desc.digest)
      this.emit({
        type: 'referrer',
        subject,
        digest: desc.digest,
        ...(desc.artifactType ? { artifactType: desc.artifactType } : {}),
        skipped: !copied,
      })
      if (copied) this.result.referrers++
      else this.result.skipped++
      if (!(await this.destHasApi(subject))) await this.addToFallbackIndex(subject, desc)
      if (depth + 1 < MAX_DEPTH) await this.referrers(desc.digest, depth + 1, seen)
    }
  }

  async digestTags(subject: Digest): Promise<void> {
    const base = referrersTag(subject)
    for (const suffix of DIGEST_TAG_SUFFIXES) {
      const tag = `${base}.${suffix}`
      if (this.opts.skipDigestTags?.includes(suffix)) continue
      const at = await this.src.headManifest(tag, this.signal)
      if (!at) continue
      const d: Digest = at.digest ?? digestOf((await this.src.getManifest(tag, this.signal)).bytes)
      const { copied } = await this.copyManifest(d, tag)
      this.emit({ type: 'digest-tag', subject, tag, digest: d, skipped: !copied })
      if (copied) this.result.digestTags++
      else this.result.skipped++
    }
  }
}

/** Copies the referrers and/or digest tags of `digests` from `src`'s repository to `dest`'s. */
export async function copyAttached(
  src: DockerRef,
  dest: DockerRef,
  digests: readonly Digest[],
  opts: AttachedCopyOptions,
): Promise<AttachedCopyResult> {
  const from = await openRepository(src, opts.source)
  try {
    const to = await openRepository(dest, opts.destination, 'push')
    try {
      const c = new AttachedCopier(from.repo, to.repo, opts)
      const seen = new Set<Digest>(digests)
      for (const d of digests) {
        if (opts.referrers) await c.referrers(d, 0, seen)
        if (opts.digestTags) await c.digestTags(d)
      }
      return c.result
    } finally {
      await releaseClient(to.client)
    }
  } finally {
    await releaseClient(from.client)
  }
}
