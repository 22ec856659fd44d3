/**
 * The Registry API v2 calls for one repository: manifests, blobs, uploads (monolithic, streamed
 * PATCH, cross-repository mount) and the tag list.
 */
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { SkiffError } from '../errors.js'
import { DigestingStream } from '../digest/verify.js'
import type { Digest } from '../digest/digest.js'
import { SUPPORTED_MANIFEST_TYPES } from '../manifest/media-types.js'
import { repoScope } from './auth.js'
import type { RegistryClient, RegistryRequest } from './client.js'
import { registryErrorFrom } from './errors.js'
import { discard, header, readBody, readErrorText, type HttpResponse } from './http.js'
import { MAX_MANIFEST_SIZE, sizeLimitMessage } from '../util/limits.js'
import { listPaginated } from './paginate.js'
import type { RetryBudget } from '../util/retry.js'

export const MANIFEST_ACCEPT = SUPPORTED_MANIFEST_TYPES.join(', ')

export interface ManifestResponse {
  bytes: Buffer
  mediaType: string
  /** Docker-Content-Digest, when the registry sent one. */
  digest?: Digest
}

function withDigest(location: URL, digest: string): URL {
  const u = new URL(location)
  u.searchParams.set('digest', digest)
  return u
}

export class Repository {
  readonly pullScopes: string[]
  readonly pushScopes: string[]

  constructor(
    readonly client: RegistryClient,
    /** The repository path (`library/busybox`). */
    readonly name: string,
    /** How errors name what was being accessed (`docker://host/repo:tag`). */
    readonly image: string,
    /** 'push': every request asks for pull,push (one token for a whole push, as containers/image). */
    access: 'pull' | 'push' = 'pull',
    /** The operation's retry budget, spent by every request of this repository (util/retry.ts). */
    readonly retry?: RetryBudget,
  ) {
    this.pushScopes = [repoScope(name, 'pull,push')]
    this.pullScopes = access === 'push' ? this.pushScopes : [repoScope(name, 'pull')]
  }

  get registry(): string {
    return this.client.registry
  }

  /** Reads the body of a failed answer (bounded; none for HEAD) and builds its error. */
  async fail(
    res: HttpResponse,
    what: string,
    notFound: 'image' | 'other' = 'other',
    scopes: string[] = this.pullScopes,
  ): Promise<SkiffError> {
    const text = await readErrorText(res)
    const auth =
      res.status === 401 || res.status === 403
        ? await this.client.authFacts(
            this.name,
            res.method === 'GET' || res.method === 'HEAD' ? scopes : this.pushScopes,
            res,
          )
        : undefined
    return registryErrorFrom(res.status, text, {
      image: this.image,
      what,
      notFound,
      registry: this.registry,
      ...(auth ? { auth } : {}),
    })
  }

  /** A request through the client; network failures name the image too. */
  private async request(r: RegistryRequest): Promise<HttpResponse> {
    try {
      return await this.client.request(this.retry && !r.retry ? { ...r, retry: this.retry } : r)
    } catch (e) {
      throw this.named(e)
    }
  }

  /** Prefixes the image to a SkiffError that does not name it (network, TLS, stall failures). */
  named(e: unknown): unknown {
    if (e instanceof SkiffError && !e.message.includes(this.image)) {
      return new SkiffError(e.code, `${this.image}: ${e.message}`, { cause: e, image: this.image })
    }
    return e
  }

  async getManifest(ref: string, signal?: AbortSignal): Promise<ManifestResponse> {
    const what = `reading manifest ${ref}`
    const tooLarge = () =>
      new SkiffError('ERR_MANIFEST_INVALID', `${this.image}: ${what}: ${sizeLimitMessage(MAX_MANIFEST_SIZE)}`, {
        image: this.image,
      })
    const res = await this.request({
      method: 'GET',
      path: `/v2/${this.name}/manifests/${ref}`,
      headers: { accept: MANIFEST_ACCEPT },
      scopes: this.pullScopes,
      repo: this.name,
      followRedirects: true,
      maxBodySize: MAX_MANIFEST_SIZE,
      tooLarge,
      ...(signal ? { signal } : {}),
    })
    if (res.status !== 200) throw await this.fail(res, `reading manifest ${ref}`, 'image')
    const bytes = await readBody(res).catch((e: unknown) => {
      throw this.named(e)
    })
    const ct = (header(res.headers, 'content-type') ?? '').split(';')[0]!.trim()
    const d = header(res.headers, 'docker-content-digest')
    return { bytes, mediaType: ct === 'application/json' || ct === 'text/plain' ? '' : ct, ...(d ? { digest: d } : {}) }
  }

  /** HEAD of a manifest: its digest, or undefined when it does not exist. */
  async headManifest(ref: string, signal?: AbortSignal): Promise<{ digest?: Digest; mediaType: string } | undefined> {
    const res = await this.request({
      method: 'HEAD',
      path: `/v2/${this.name}/manifests/${ref}`,
      headers: { accept: MANIFEST_ACCEPT },
      scopes: this.pullScopes,
      repo: this.name,
      ...(signal ? { signal } : {}),
    })
    await discard(res)
    if (res.status === 404) return undefined
    if (res.status !== 200) throw await this.fail(res, `checking manifest ${ref}`, 'image')
    const d = header(res.headers, 'docker-content-digest')
    return { ...(d ? { digest: d } : {}), mediaType: (header(res.headers, 'content-type') ?? '').split(';')[0]!.trim() }
  }

  async putManifest(ref: string, bytes: Buffer, mediaType: string, signal?: AbortSignal): Promise<Digest | undefined> {
    const res = await this.request({
      method: 'PUT',
      path: `/v2/${this.name}/manifests/${ref}`,
      headers: { 'content-type': mediaType, 'content-length': String(bytes.length) },
      body: bytes,
      scopes: this.pushScopes,
      repo: this.name,
      ...(signal ? { signal } : {}),
    })
    if (res.status !== 201 && res.status !== 200 && res.status !== 202)
      throw await this.fail(res, `writing manifest ${ref}`)
    await discard(res)
    return header(res.headers, 'docker-content-digest')
  }

  /** DELETE of a manifest by digest (or tag, where the registry supports it). Returns the HTTP answer for the caller to judge. */
  async deleteManifest(ref: string, signal?: AbortSignal): Promise<HttpResponse> {
    return this.request({
      method: 'DELETE',
      path: `/v2/${this.name}/manifests/${ref}`,
      scopes: [repoScope(this.name, '*')],
      repo: this.name,
      ...(signal ? { signal } : {}),
    })
  }

  /** Size of a blob in this repository, or undefined if it is not there (or the check failed). */
  async headBlob(digest: Digest, signal?: AbortSignal): Promise<number | undefined> {
    const res = await this.request({
      method: 'HEAD',
      path: `/v2/${this.name}/blobs/${digest}`,
      scopes: this.pullScopes,
      repo: this.name,
      followRedirects: true,
      ...(signal ? { signal } : {}),
    })
    await discard(res)
    if (res.status === 200) {
      const n = Number(header(res.headers, 'content-length'))
      return Number.isFinite(n) ? n : -1
    }
    if (res.status === 404) return undefined
    throw await this.fail(res, `checking blob ${digest}`)
  }

  /** GET of a blob (redirects followed), from byte `offset` on. Status 200 or 206. */
  async getBlob(digest: Digest, opts: { offset?: number; signal?: AbortSignal } = {}): Promise<HttpResponse> {
    const headers: Record<string, string> = {}
    if (opts.offset) headers.range = `bytes=${opts.offset}-`
    const res = await this.request({
      method: 'GET',
      path: `/v2/${this.name}/blobs/${digest}`,
      headers,
      scopes: this.pullScopes,
      repo: this.name,
      followRedirects: true,
      ...(opts.signal ? { signal: opts.signal } : {}),
    })
    if (res.status === 200 || (res.status === 206 && opts.offset)) return res
    throw await this.fail(res, `reading blob ${digest}`)
  }

  /**
   * Cross-repository mount from `from`: 'mounted' when the registry mounted it (201),
   * 'upload-started' when it started an ordinary upload instead (202, cancelled here: a registry
   * that does not mount, or a source repository without the blob), 'refused' otherwise.
   */
  async mount(digest: Digest, from: string, signal?: AbortSignal): Promise<'mounted' | 'upload-started' | 'refused'> {
    const base = await this.client.baseUrl(signal)
    const url = new URL(`/v2/${this.name}/blobs/uploads/`, base)
    url.searchParams.set('mount', digest)
    url.searchParams.set('from', from)
    const res = await this.request({
      method: 'POST',
      url,
      headers: { 'content-length': '0' },
      body: '',
      scopes: [...this.pushScopes, repoScope(from, 'pull')],
      repo: this.name,
      ...(signal ? { signal } : {}),
    })
    await discard(res)
    if (res.status === 201) return 'mounted'
    if (res.status === 202) {
      // the registry started an ordinary upload instead: cancel it
      const loc = header(res.headers, 'location')
      if (loc) await this.cancelUpload(new URL(loc, res.url), signal)
    }
    this.client.log(() => `registry: mount of ${digest} from ${from} into ${this.name} not done (HTTP ${res.status})`)
    return res.status === 202 ? 'upload-started' : 'refused'
  }

  private async startUpload(signal?: AbortSignal): Promise<URL> {
    const res = await this.request({
      method: 'POST',
      path: `/v2/${this.name}/blobs/uploads/`,
      headers: { 'content-length': '0' },
      body: '',
      scopes: this.pushScopes,
      repo: this.name,
      ...(signal ? { signal } : {}),
    })
    if (res.status !== 202) throw await this.fail(res, 'starting a blob upload')
    await discard(res)
    const loc = header(res.headers, 'location')
    if (!loc)
      throw new SkiffError('ERR_REGISTRY', `${this.image}: starting a blob upload: the registry sent no Location`)
    return new URL(loc, res.url)
  }

  async cancelUpload(location: URL, signal?: AbortSignal): Promise<void> {
    try {
      const res = await this.request({
        method: 'DELETE',
        url: location,
        scopes: this.pushScopes,
        repo: this.name,
        ...(signal ? { signal } : {}),
      })
      await discard(res)
    } catch {
      // best effort: the registry purges abandoned uploads
    }
  }

  /**
   * Uploads a blob. With a known size and digest: POST, then one PUT with the bytes (monolithic).
   * Otherwise: POST, PATCH with the stream, PUT ?digest=<computed>. Returns what was written.
   */
  async uploadBlob(
    input: Readable | Buffer,
    size: number,
    digest: Digest | undefined,
    signal?: AbortSignal,
  ): Promise<{ digest: Digest; size: number }> {
    const location = await this.startUpload(signal)
    let current = location
    try {
      const sig = signal ? { signal } : {}
      if (digest && size >= 0) {
        // Digest and size known: the bytes go as they are (no second hash here; the registry
        // verifies the digest, and the copy engine has verified the stream against it).
        const res = await this.request({
          method: 'PUT',
          url: withDigest(current, digest),
          headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
          body: input,
          scopes: this.pushScopes,
          repo: this.name,
          ...sig,
        })
        if (res.status !== 201) throw await this.fail(res, `uploading blob ${digest}`)
        await discard(res)
        return { digest, size }
      }
      const hasher = new DigestingStream({ what: 'blob upload' })
      const feeding = pipeline(Buffer.isBuffer(input) ? Readable.from([input]) : input, hasher)
      feeding.catch(() => {})
      const patch = await this.request({
        method: 'PATCH',
        url: current,
        headers: { 'content-type': 'application/octet-stream' },
        body: hasher,
        scopes: this.pushScopes,
        repo: this.name,
        ...sig,
      })
      await feeding
      if (patch.status !== 202 && patch.status !== 204) throw await this.fail(patch, 'uploading blob data')
      await discard(patch)
      const loc = header(patch.headers, 'location')
      if (loc) current = new URL(loc, patch.url)
      const computed = hasher.digest
      const put = await this.request({
        method: 'PUT',
        url: withDigest(current, computed),
        headers: { 'content-length': '0' },
        body: '',
        scopes: this.pushScopes,
        repo: this.name,
        ...sig,
      })
      if (put.status !== 201) throw await this.fail(put, `completing the upload of blob ${computed}`)
      await discard(put)
      return { digest: computed, size: hasher.size }
    } catch (e) {
      await this.cancelUpload(current)
      throw e
    }
  }

  /** Every tag, following `Link: <…>; rel="next"` pages. */
  listTags(opts: { pageSize?: number; signal?: AbortSignal } = {}): Promise<string[]> {
    const path = `/v2/${this.name}/tags/list${opts.pageSize ? `?n=${opts.pageSize}` : ''}`
    return listPaginated(this.client, path, 'tags', {
      scopes: this.pullScopes,
      repo: this.name,
      image: this.image,
      what: 'listing tags',
      notFound: 'image',
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(this.retry ? { retry: this.retry } : {}),
    })
  }
}
