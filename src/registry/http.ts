/**
 * The HTTP layer under the registry client: one undici Pool per origin (keep-alive; its connection
 * count is the per-host concurrency limit), a User-Agent, retries (429 with Retry-After, 5xx,
 * connection resets — only when the body can be sent again) and redirects (Authorization is never
 * sent to another origin).
 */
import { Readable } from 'node:stream'
import { Pool, type Dispatcher } from 'undici'
import { SkiffError } from '../errors.js'
import { VERSION } from '../version.js'
import { debugLog } from './log.js'
import { caWithSystemRoots } from '../config/certs.js'
import { tlsErrorCode, type TlsMaterial } from './tls.js'

export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
export type Body = Buffer | string | Readable | undefined

export interface HttpRequest {
  method: Method
  url: URL
  headers?: Record<string, string>
  /** A Buffer/string can be sent again; a Readable only once (no retry after it started). */
  body?: Body
  signal?: AbortSignal
  /** Follow 3xx answers (GET/HEAD). */
  followRedirects?: boolean
}

export interface HttpResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Dispatcher.ResponseData['body']
  /** The URL that answered (after redirects). */
  url: URL
}

export interface HttpOptions {
  /** Trust material per host ("host:port"); verification off when insecure(host). */
  tlsFor?: (host: string) => TlsMaterial | undefined
  insecure?: (host: string) => boolean
  userAgent?: string
  retryTimes?: number
  retryDelayMs?: number
  /** Connections per origin (the per-host concurrency limit). */
  connectionsPerHost?: number
}

const NETWORK_RETRY = new Set([
  'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CLOSED',
])

export function isNetworkRetryable(e: unknown): boolean {
  for (let x = e, d = 0; x && typeof x === 'object' && d < 6; x = (x as { cause?: unknown }).cause, d++) {
    const c = (x as { code?: unknown }).code
    if (typeof c === 'string' && NETWORK_RETRY.has(c)) return true
  }
  return false
}

export function header(h: HttpResponse['headers'], name: string): string | undefined {
  const v = h[name.toLowerCase()]
  return Array.isArray(v) ? v[0] : v
}

/** Retry-After in ms (seconds or an HTTP date), capped. */
export function retryAfterMs(v: string | undefined, capMs = 60_000): number | undefined {
  if (!v) return undefined
  const s = Number(v)
  if (Number.isFinite(s) && s >= 0) return Math.min(s * 1000, capMs)
  const t = Date.parse(v)
  if (!Number.isNaN(t)) return Math.min(Math.max(0, t - Date.now()), capMs)
  return undefined
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const onAbort = (): void => {
      clearTimeout(t)
      reject(signal!.reason)
    }
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

const REDIRECTS = new Set([301, 302, 303, 307, 308])

export class HttpClient {
  private readonly pools = new Map<string, Pool>()
  readonly userAgent: string
  private closed = false

  constructor(private readonly opts: HttpOptions = {}) {
    this.userAgent = opts.userAgent ?? `skiff/${VERSION}`
  }

  private pool(url: URL): Pool {
    let p = this.pools.get(url.origin)
    if (!p) {
      if (this.closed) throw new SkiffError('ERR_IO', `registry client used after close (${url.origin})`)
      const connect: Record<string, unknown> = {}
      if (url.protocol === 'https:') {
        const tls = this.opts.tlsFor?.(url.host)
        // extra CAs are added to (not instead of) the system ones
        const ca = caWithSystemRoots(tls?.ca)
        if (ca) connect.ca = ca
        if (tls?.cert) connect.cert = tls.cert
        if (tls?.key) connect.key = tls.key
        if (this.opts.insecure?.(url.host)) connect.rejectUnauthorized = false
      }
      p = new Pool(url.origin, { connections: this.opts.connectionsPerHost ?? 6, keepAliveTimeout: 30_000, connect })
      this.pools.set(url.origin, p)
    }
    return p
  }

  /** One request with retries and redirects. The caller must consume or dump the body. */
  async send(req: HttpRequest): Promise<HttpResponse> {
    const replayable = !(req.body instanceof Readable)
    const max = this.opts.retryTimes ?? 3
    for (let attempt = 0; ; attempt++) {
      let res: HttpResponse
      try {
        res = await this.sendFollowing(req)
      } catch (e) {
        if (replayable && attempt < max && isNetworkRetryable(e) && !req.signal?.aborted) {
          const d = this.backoff(attempt)
          debugLog(() => `registry: ${req.method} ${req.url.href}: ${(e as Error).message}; retrying in ${d} ms (${attempt + 1}/${max})`)
          await sleep(d, req.signal)
          continue
        }
        throw this.networkError(e, req)
      }
      const retryStatus = res.status === 429 || res.status === 502 || res.status === 503 || res.status === 504 || res.status === 500
      if (retryStatus && replayable && attempt < max && !req.signal?.aborted) {
        const d = retryAfterMs(header(res.headers, 'retry-after')) ?? this.backoff(attempt)
        debugLog(() => `registry: ${req.method} ${req.url.href}: HTTP ${res.status}; retrying in ${d} ms (${attempt + 1}/${max})`)
        await res.body.dump().catch(() => {})
        await sleep(d, req.signal)
        continue
      }
      return res
    }
  }

  private backoff(attempt: number): number {
    return this.opts.retryDelayMs ?? Math.min(500 * 2 ** attempt, 10_000)
  }

  private async sendFollowing(req: HttpRequest): Promise<HttpResponse> {
    let url = req.url
    let method = req.method
    const headers: Record<string, string> = { 'user-agent': this.userAgent, ...(req.headers ?? {}) }
    const origin = req.url.origin
    for (let hops = 0; ; hops++) {
      debugLog(() => `registry: > ${method} ${url.href} ${JSON.stringify(headers)}`)
      const body = req.body
      const r = await this.pool(url).request({
        method,
        path: url.pathname + url.search,
        headers,
        ...(body !== undefined ? { body } : {}),
        ...(req.signal ? { signal: req.signal } : {}),
      })
      debugLog(() => `registry: < ${r.statusCode} ${method} ${url.href}`)
      const loc = r.headers.location
      if (req.followRedirects && REDIRECTS.has(r.statusCode) && loc && hops < 10) {
        await r.body.dump().catch(() => {})
        url = new URL(Array.isArray(loc) ? loc[0]! : loc, url)
        if (r.statusCode === 303) method = 'GET'
        if (url.origin !== origin) {
          delete headers.authorization
          delete headers.Authorization
        }
        continue
      }
      return { status: r.statusCode, headers: r.headers, body: r.body, url }
    }
  }

  private networkError(e: unknown, req: HttpRequest): unknown {
    if (e instanceof SkiffError) return e
    if (req.signal?.aborted) return e
    const tls = tlsErrorCode(e)
    const host = req.url.host
    if (tls) {
      return new SkiffError(
        'ERR_TLS',
        `TLS connection to ${host} failed (${tls}: ${(e as Error).message}): the registry's certificate is not trusted or TLS is not spoken there; add its CA with --cert-dir or under /etc/containers/certs.d/${host}/, or use --tls-verify=false`,
        { cause: e },
      )
    }
    const code = (e as { code?: string }).code
    const err = new SkiffError('ERR_IO', `${req.method} ${req.url.origin}${req.url.pathname}: ${(e as Error).message}${code ? ` (${code})` : ''}`, { cause: e })
    return err
  }

  async close(): Promise<void> {
    this.closed = true
    const pools = [...this.pools.values()]
    this.pools.clear()
    await Promise.all(pools.map((p) => p.close().catch(() => p.destroy())))
  }
}
