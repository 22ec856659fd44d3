/**
 * The HTTP layer under the registry client: one undici Pool per origin (keep-alive; its connection
 * count is the per-host concurrency limit), a User-Agent, retries (429 with Retry-After, 5xx,
 * connection resets — only when the body can be sent again) and redirects (Authorization is never
 * sent to another origin).
 */
import { Readable } from 'node:stream'
import type { ConnectionOptions } from 'node:tls'
import type { Dispatcher } from 'undici'
import { SkiffError, causeChain, opt, withOptions } from '../errors.js'
import { VERSION } from '../version.js'
import { caWithSystemRoots } from '../config/certs.js'
import { tlsErrorCode, type TlsMaterial } from './tls.js'
import { MAX_ERROR_BODY_SIZE } from '../util/limits.js'
import { retryAfterMs, RetryBudget } from '../util/retry.js'
import { debugLogging } from './http/debug-log.js'
import { adaptiveConcurrency, MAX_IN_FLIGHT } from './http/concurrency.js'
import { redirects } from './http/redirect.js'
import { retries } from './http/retry.js'
import { sizeLimits } from './http/size-limit.js'
import type { AnswerContext } from './http/types.js'
import { authentication, type AuthDispatchOptions, type AuthProvider } from './http/auth.js'
import { userAgent } from './http/user-agent.js'
import { lazyBuiltin } from '../util/lazy-builtin.js'
import { Agent, Pool, request } from './http/undici-parts.js'
import { noDebugLog, type DebugLog } from './log.js'

export { retryAfterMs }

const tls = lazyBuiltin<typeof import('node:tls')>('node:tls')

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
  /**
   * The operation's retry budget (util/retry.ts): every retry of this request spends from it.
   * Default: a budget of its own with the client's retryTimes / retryDelayMs.
   */
  retry?: RetryBudget
  /** A 2xx answer body larger than this fails with `tooLarge()` (http/size-limit.ts). */
  maxBodySize?: number
  tooLarge?: () => Error
  /** Authorization for this request, refreshed once after a 401 (http/auth.ts). */
  auth?: AuthProvider
}

export interface HttpResponse {
  /** The request's method (a HEAD answer has no body to read). */
  method: Method
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
  /** Retries per request when the request brings no budget of its operation (default 3). */
  retryTimes?: number
  retryDelayMs?: number
  /**
   * Connections per origin: the upper bound of the adaptive requests-in-flight limit
   * (http/concurrency.ts, which starts at 6); default 32.
   */
  connectionsPerHost?: number
  /**
   * Milliseconds without a byte (waiting for headers, or between body chunks) before a request
   * fails as stalled (then retried, or a blob download resumed). Default: idleTimeoutDefault().
   */
  idleTimeoutMs?: number
  /** Where request lines go (the context's --debug log); default none. */
  log?: DebugLog
}

/** Default idle timeout: $SKIFF_IDLE_TIMEOUT (seconds, may be fractional), else 60 s. */
export function idleTimeoutDefault(env: NodeJS.ProcessEnv = process.env): number {
  const v = env.SKIFF_IDLE_TIMEOUT
  if (v !== undefined && v.trim() !== '') {
    const s = Number(v.trim().replace(/s$/, ''))
    if (Number.isFinite(s) && s > 0) return Math.max(1, Math.round(s * 1000))
  }
  return 60_000
}

export function header(h: HttpResponse['headers'], name: string): string | undefined {
  const v = h[name.toLowerCase()]
  return Array.isArray(v) ? v[0] : v
}

/** Whether a body can still be read (not already read, dumped or destroyed, not a HEAD answer). */
function readable(res: HttpResponse): boolean {
  const b = res.body as unknown as {
    readableEnded?: boolean
    destroyed?: boolean
    locked?: boolean
    bodyUsed?: boolean
  }
  return (
    res.method !== 'HEAD' && res.status !== 204 && res.status !== 304 && !b.readableEnded && !b.destroyed && !b.bodyUsed
  )
}

/**
 * Reads a response body into memory. Its bound is the request's `maxBodySize` (http/size-limit.ts
 * fails a larger answer before or while it arrives, with the request's `tooLarge` error).
 * Reading twice (or after discard) gives an empty buffer, never a crash.
 */
export async function readBody(res: HttpResponse): Promise<Buffer> {
  if (!readable(res)) return Buffer.alloc(0)
  res.body.on('error', () => {}) // failures surface through the reads below; a destroyed body must not crash the process
  try {
    const chunks: Buffer[] = []
    for await (const c of res.body as AsyncIterable<Buffer>) chunks.push(c)
    return Buffer.concat(chunks)
  } catch (e) {
    throw describeNetworkError(e, res.method, res.url) ?? e
  }
}

/** The text of an error answer, for its message: at most MAX_ERROR_BODY_SIZE kept, never fails. */
export async function readErrorText(res: HttpResponse): Promise<string> {
  if (!readable(res)) return ''
  const chunks: Buffer[] = []
  let n = 0
  res.body.on('error', () => {})
  try {
    for await (const c of res.body as AsyncIterable<Buffer>) {
      const room = MAX_ERROR_BODY_SIZE - n
      chunks.push(c.length > room ? c.subarray(0, room) : c)
      n += Math.min(c.length, room)
      if (n >= MAX_ERROR_BODY_SIZE) {
        res.body.destroy()
        break
      }
    }
  } catch {
    // a broken error body: keep what arrived
  }
  return Buffer.concat(chunks, n).toString('utf8')
}

/**
 * Discards a body (idempotent), so the connection can be reused — also the empty body of a HEAD,
 * 204 or 304 answer: until it is read to its end, undici keeps the request's abort listener on the
 * caller's signal (one per request; a long sync sharing one signal accumulated thousands).
 */
export async function discard(res: HttpResponse): Promise<void> {
  const b = res.body as unknown as { destroyed?: boolean; bodyUsed?: boolean }
  if (b.destroyed || b.bodyUsed) return
  await res.body.dump().catch(() => {})
}

/**
 * TLS options of a connection. Extra CAs are added to (not instead of) the system ones. An
 * unverified connection (--tls-verify=false) gets its own CAs or an empty list: given a `ca`
 * option, Node does not load its root store into the context (secure-context.js: addRootCerts
 * only without `ca`), ~15–50 ms of every process that tries HTTPS first, and nothing would be
 * verified against it.
 */
export function tlsConnectOptions(tls: TlsMaterial | undefined, insecure: boolean): Record<string, unknown> {
  const connect: Record<string, unknown> = {}
  const ca = insecure ? (tls?.ca ?? []) : caWithSystemRoots(tls?.ca)
  if (ca) connect.ca = ca
  if (tls?.cert) connect.cert = tls.cert
  if (tls?.key) connect.key = tls.key
  if (insecure) connect.rejectUnauthorized = false
  return connect
}

export class HttpClient {
  private agent: Agent | undefined
  private composed: Dispatcher | undefined
  readonly userAgent: string
  private closed = false

  readonly idleTimeoutMs: number
  readonly log: DebugLog

  constructor(private readonly opts: HttpOptions = {}) {
    this.userAgent = opts.userAgent ?? `skiff/${VERSION}`
    this.log = opts.log ?? noDebugLog
    this.idleTimeoutMs = opts.idleTimeoutMs ?? idleTimeoutDefault()
  }

  private connectOptions(url: URL): Record<string, unknown> {
    if (url.protocol !== 'https:') return {}
    return tlsConnectOptions(this.opts.tlsFor?.(url.host), this.opts.insecure?.(url.host) === true)
  }

  /**
   * After a TLS connection was closed without an HTTP answer: connects once more by hand and
   * returns the TLS alert the server sends (e.g. "bad certificate" when it requires a client
   * certificate), which undici reports only as "other side closed".
   */
  async tlsAlert(url: URL): Promise<Error | undefined> {
    if (url.protocol !== 'https:') return undefined
    const opts = {
      ...(this.connectOptions(url) as ConnectionOptions),
      host: url.hostname,
      port: Number(url.port || 443),
    }
    if (!/^[\d.]+$|:/.test(url.hostname)) opts.servername = url.hostname
    return new Promise((resolve) => {
      const s = tls().connect(opts)
      const done = (e: Error | undefined): void => {
        clearTimeout(t)
        s.destroy()
        resolve(e)
      }
      const t = setTimeout(() => done(undefined), 3000)
      s.on('secureConnect', () => s.write(`GET /v2/ HTTP/1.1\r\nHost: ${url.host}\r\nConnection: close\r\n\r\n`))
      s.on('error', (e) => done(tlsErrorCode(e) ? e : undefined))
      s.on('data', () => done(undefined))
      s.on('close', () => done(undefined))
    })
  }

  /**
   * The composed dispatcher: an Agent (one Pool per origin; its connection count is the per-host
   * limit) under the interceptors of http/, innermost first: debug log, user agent, size limits,
   * retries, redirects, auth. So every retry and every redirect hop is logged and carries the
   * User-Agent, and a redirect to another origin never carries the Authorization auth added.
   */
  private get dispatcher(): Dispatcher {
    if (this.closed) throw new SkiffError('ERR_IO', 'registry client used after close')
    if (!this.composed) {
      const idle = this.idleTimeoutMs
      this.agent = new Agent({
        factory: (origin, o) =>
          new Pool(origin, {
            ...o,
            connections: this.opts.connectionsPerHost ?? MAX_IN_FLIGHT,
            keepAliveTimeout: 30_000,
            // Node's default (16 KiB), given so that undici does not load node:http to read it
            maxHeaderSize: 16 * 1024,
            bodyTimeout: idle,
            headersTimeout: idle,
            connect: this.connectOptions(new URL(String(origin))),
          }),
      })
      this.composed = this.agent.compose(
        debugLogging(this.log),
        adaptiveConcurrency({
          max: this.opts.connectionsPerHost ?? MAX_IN_FLIGHT,
          onChange: (origin, limit, why) =>
            this.log(() => `registry: ${origin}: ${limit} requests in flight at most (${why})`),
        }),
        userAgent(this.userAgent),
        sizeLimits(),
        retries({
          ...(this.opts.retryTimes !== undefined ? { retryTimes: this.opts.retryTimes } : {}),
          ...(this.opts.retryDelayMs !== undefined ? { retryDelayMs: this.opts.retryDelayMs } : {}),
          log: this.log,
          describe: (e, o) => describeNetworkError(e, o.method, new URL(o.path, o.origin), this.idleTimeoutMs) ?? e,
        }),
        redirects(),
        authentication(),
      )
    }
    return this.composed
  }

  /** One request through the interceptors (retries, redirects, …). The caller must consume or dump the body. */
  async send(req: HttpRequest): Promise<HttpResponse> {
    const opts: AuthDispatchOptions = {
      origin: req.url.origin,
      path: req.url.pathname + req.url.search,
      method: req.method,
      // undici closes the connection after every HEAD (`connection: close`, for servers that send a
      // body anyway) unless told otherwise; registries answer HEAD correctly (distribution, Harbor,
      // the hubs), and a sync makes one HEAD per image and per blob: each would cost a new
      // connection (a round trip more over a slow link, and a TCP connect of CPU on both sides).
      ...(req.method === 'HEAD' ? { reset: false } : {}),
      headers: req.headers ?? {},
      // undici's headers timer (the idle timeout) does not fire while a streamed body is still being
      // written and the socket takes it (a slow source), only when the registry stops reading or
      // stays silent after the body was sent
      ...(req.body !== undefined ? { body: req.body } : {}),
      ...(req.signal ? { signal: req.signal } : {}),
      ...(req.followRedirects ? { followRedirects: true } : {}),
      ...(req.retry ? { retry: req.retry } : {}),
      ...(req.maxBodySize !== undefined ? { maxBodySize: req.maxBodySize } : {}),
      ...(req.tooLarge ? { tooLarge: req.tooLarge } : {}),
      ...(req.auth ? { auth: req.auth } : {}),
    }
    try {
      const r = await request(this.dispatcher, opts)
      const answered = r.context as AnswerContext | undefined
      const url = answered?.url instanceof URL ? answered.url : req.url
      return {
        method: (answered?.method as Method | undefined) ?? req.method,
        status: r.statusCode,
        headers: r.headers,
        body: r.body,
        url,
      }
    } catch (e) {
      throw this.networkError(e, req)
    }
  }

  /** The budget of a request whose operation brought none: the client's retryTimes for this request alone. */
  requestBudget(): RetryBudget {
    return new RetryBudget({
      maxRetries: this.opts.retryTimes ?? 3,
      ...(this.opts.retryDelayMs !== undefined ? { delayMs: this.opts.retryDelayMs } : {}),
    })
  }

  private networkError(e: unknown, req: HttpRequest): unknown {
    if (e instanceof SkiffError) return e
    if (req.signal?.aborted) return e
    return describeNetworkError(e, req.method, req.url, this.idleTimeoutMs) ?? e
  }

  async close(): Promise<void> {
    this.closed = true
    const agent = this.agent
    this.agent = undefined
    this.composed = undefined
    await agent?.close().catch(() => agent.destroy())
  }
}

function codeIn(e: unknown): string | undefined {
  for (const x of causeChain(e)) {
    const c = (x as { code?: unknown }).code
    if (typeof c === 'string') return c
  }
  return undefined
}

/** Whether a TLS handshake failed because the server answered in plain HTTP (not a TLS server). */
export function answeredPlainHttp(e: unknown): boolean {
  const tls = tlsErrorCode(e)
  const msg = (e as Error | undefined)?.message ?? ''
  return (
    tls === 'ERR_SSL_WRONG_VERSION_NUMBER' ||
    (tls !== undefined && /wrong version number|packet length too long|http request/i.test(msg))
  )
}

/**
 * A network failure as a one-line SkiffError naming the registry and what to do (ECONNREFUSED,
 * ECONNRESET, ENOTFOUND, stalls, TLS); undefined for errors that are not network failures.
 */
export function describeNetworkError(
  e: unknown,
  method: string,
  url: URL,
  idleTimeoutMs?: number,
): SkiffError | undefined {
  if (e instanceof SkiffError) return e
  if (!e || typeof e !== 'object') return undefined
  const host = url.host
  const where = `${method} ${url.origin}${url.pathname}`
  const opts = { cause: e }
  const tls = tlsErrorCode(e)
  const msg = (e as Error).message ?? String(e)
  if (answeredPlainHttp(e)) {
    return new SkiffError(
      'ERR_TLS',
      withOptions`${host} answered plain HTTP, not TLS (${where}); use ${opt('registry.tlsVerify', { value: false })} for it (or mark it insecure in registries.conf)`,
      opts,
    )
  }
  // OpenSSL ≥ 3.2 (Node ≥ 22) names the alerts "ssl/tls alert …" where 3.0 (Node 20) says "sslv3 alert …"
  if (
    tls === 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' ||
    (tls !== undefined && /^ERR_SSL_(SSLV3|SSL\/TLS)_ALERT_(BAD_CERTIFICATE|HANDSHAKE_FAILURE)$/.test(tls))
  ) {
    return new SkiffError(
      'ERR_TLS',
      withOptions`TLS connection to ${host} failed: the registry requires a client certificate and did not accept one (${tls}); put client.cert and client.key in ${opt('registry.certDir')} or /etc/containers/certs.d/${host}/`,
      opts,
    )
  }
  if (tls) {
    return new SkiffError(
      'ERR_TLS',
      withOptions`TLS connection to ${host} failed (${tls}: ${msg.replace(/\s+/g, ' ').trim()}): the registry's certificate is not trusted; add its CA with ${opt('registry.certDir')} or under /etc/containers/certs.d/${host}/, or use ${opt('registry.tlsVerify', { value: false })}`,
      opts,
    )
  }
  const code = codeIn(e)
  if (code === 'UND_ERR_ABORTED' || code === 'ABORT_ERR' || (e as Error).name === 'AbortError') return undefined
  switch (code) {
    case 'ECONNREFUSED':
      return new SkiffError(
        'ERR_IO',
        `cannot connect to ${host}: connection refused (${where}); check the registry name and port, and that the registry is running`,
        opts,
      )
    case 'ENOTFOUND':
      return new SkiffError(
        'ERR_IO',
        `cannot connect to ${host}: the host name ${url.hostname} does not resolve (ENOTFOUND); check the registry name (and DNS)`,
        opts,
      )
    case 'EAI_AGAIN':
      return new SkiffError(
        'ERR_IO',
        `cannot connect to ${host}: looking up ${url.hostname} failed temporarily (EAI_AGAIN); check DNS and retry`,
        opts,
      )
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new SkiffError(
        'ERR_IO',
        `cannot connect to ${host}: no route to the host (${code}); check the network`,
        opts,
      )
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      return new SkiffError(
        'ERR_IO',
        withOptions`the connection to ${host} was closed unexpectedly during ${where} (${code}); a proxy or the registry dropped it: retry, or use ${opt('registry.retryTimes')}`,
        opts,
      )
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return new SkiffError(
        'ERR_TIMEOUT',
        `cannot connect to ${host}: the connection timed out (${code}); check the network and the registry name`,
        opts,
      )
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT': {
      const s = idleTimeoutMs !== undefined ? `${idleTimeoutMs / 1000} s` : 'the idle timeout'
      return new SkiffError(
        'ERR_TIMEOUT',
        withOptions`${host} stopped sending for ${s} during ${where} (the connection stalled); retry, use ${opt('registry.retryTimes')}, or raise SKIFF_IDLE_TIMEOUT`,
        opts,
      )
    }
    default:
      if (code && /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(code)) {
        return new SkiffError('ERR_IO', `${where}: ${msg} (${code})`, opts)
      }
      return undefined
  }
}
