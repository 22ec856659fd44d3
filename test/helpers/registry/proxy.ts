/**
 * A counting, fault-injecting HTTP proxy on 127.0.0.1 in front of a plain-HTTP registry. The Host
 * header is forwarded unchanged, so the registry's absolute Location URLs point back at the proxy
 * and uploads pass through it too. Faults, in the order they are tried for each request:
 * resetRequests → unavailable (5xx) → tooManyRequests (429) → redirectBlobGets → resetBlobGet.
 */
import { randomBytes } from 'node:crypto'
import { Agent, createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { LOOPBACK } from './ports.js'

export interface RequestInfo {
  method: string
  /** path without the query string */
  path: string
  /** query string without '?' */
  query: string
}

/** A function, or { method, path } where path is a substring or a RegExp tested on the path. */
export type RequestMatcher = ((r: RequestInfo) => boolean) | { method?: string; path?: string | RegExp }

export interface ProxyBehaviour {
  /**
   * Destroy the connection (TCP reset) as soon as a request arrives, before any answer, `times`
   * times (default: every time); default matcher: every request. A registry that always resets.
   */
  resetRequests?: { times?: number; match?: RequestMatcher }
  /** Blob GETs (default matcher): send `afterBytes` body bytes, then destroy the connection. */
  resetBlobGet?: { afterBytes: number; /** default 1 */ times?: number; match?: RequestMatcher }
  /**
   * Answer every matching request with `status` and `body` (JSON), without forwarding: a registry
   * that refuses one endpoint, as ECR refuses the tag list without ecr:ListImages.
   */
  refuse?: { status: number; body: unknown; match: RequestMatcher }
  /** Answer 429 with Retry-After (default "1") `times` times (default 1); default matcher: every request. */
  tooManyRequests?: { times?: number; retryAfter?: number | string; match?: RequestMatcher }
  /** Answer `status` (default 503) `times` times, then pass; default matcher: every request. */
  unavailable?: { times: number; status?: number; match?: RequestMatcher }
  /**
   * Blob GETs answer `status` (default 307) to http://HOSTNAME:PORT2/…, a second loopback server
   * (hostname default "localhost", so it is another host than 127.0.0.1:PORT1 by name too) that
   * records whether an Authorization header reached it and serves the blob (fetching it with the
   * original request's credentials, as a pre-signed URL would).
   */
  redirectBlobGets?: boolean | { hostname?: string; status?: 301 | 302 | 303 | 307 | 308 }
  /**
   * Serve `GET /v2/<name>/tags/list` in pages of at most `pageSize` tags (or the client's smaller
   * `n`), continuing after `last`, with a `Link: <…>; rel="next"` header, as distribution 3 and most
   * registries do (distribution 2.8 ignores `n` and returns every tag at once).
   */
  paginateTags?: { pageSize: number }
  /** Blob GETs (default matcher): send `afterBytes` body bytes, then send nothing more (the socket stays open). */
  stallBlobGet?: { afterBytes: number; /** default 1 */ times?: number; match?: RequestMatcher }
  /**
   * Blob GETs with a `Range` header (resumed downloads): the header is removed before forwarding,
   * so the registry answers 200 with the whole blob, as a registry that ignores Range does.
   */
  ignoreRange?: boolean | { match?: RequestMatcher }
  /** Blob GETs (default matcher): after the real body, `bytes` more bytes (Content-Length grown to match). */
  padBlobGet?: { bytes: number; match?: RequestMatcher }
  /**
   * Random faults (a seeded generator, so a run is repeatable): `blobGets` is the probability that a
   * blob GET is cut after a random part of its body, `uploads` that a blob upload (PATCH/PUT with a
   * body under /blobs/uploads/) has its connection destroyed after a random part of the request body.
   * Each blob's upload (its `digest` query parameter, else the path) is cut at most once, so a retry
   * of it gets through; blob GETs may be cut again.
   */
  randomFaults?: { blobGets?: number; uploads?: number; seed?: number }
}

export type Fault =
  | 'request-reset'
  | 'reset'
  | 'too-many-requests'
  | 'unavailable'
  | 'redirect'
  | 'stall'
  | 'range-ignored'
  | 'padded'
  | 'upload-reset'
  | 'refused'

export interface ProxyEntry extends RequestInfo {
  /** status sent to the client (0 until the response starts) */
  status: number
  /** request body bytes received from the client */
  requestBytes: number
  /** response body bytes sent to the client */
  responseBytes: number
  fault?: Fault
  /** the Authorization header the client sent, if any */
  authorization?: string
  range?: string
  /** whether the exchange completed (false for resets and aborted clients) */
  completed: boolean
}

export interface RedirectEntry extends RequestInfo {
  status: number
  responseBytes: number
  /** the Authorization header that reached the redirect target (should be undefined) */
  authorization?: string
  range?: string
  fault?: 'reset'
}

export interface RegistryProxy {
  /** http://127.0.0.1:PORT */
  url: string
  /** 127.0.0.1:PORT: use as the registry host in docker:// references */
  host: string
  port: number
  requests(): ProxyEntry[]
  /** present with redirectBlobGets */
  redirectTarget?: { url: string; host: string; port: number; requests(): RedirectEntry[] }
  close(): Promise<void>
}

const BLOB_PATH = /^\/v2\/.+\/blobs\/sha256:[0-9a-f]{64}$/
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade'])

function matcherOf(m: RequestMatcher | undefined, dflt: (r: RequestInfo) => boolean): (r: RequestInfo) => boolean {
  if (!m) return dflt
  if (typeof m === 'function') return m
  return (r) =>
    (m.method === undefined || m.method.toUpperCase() === r.method) &&
    (m.path === undefined || (typeof m.path === 'string' ? r.path.includes(m.path) : m.path.test(r.path)))
}

const isBlobGet = (r: RequestInfo) => r.method === 'GET' && BLOB_PATH.test(r.path)

function infoOf(req: IncomingMessage): RequestInfo {
  const raw = req.url ?? '/'
  const q = raw.indexOf('?')
  return { method: req.method ?? 'GET', path: q < 0 ? raw : raw.slice(0, q), query: q < 0 ? '' : raw.slice(q + 1) }
}

function filteredRawHeaders(raw: string[]): string[] {
  const out: string[] = []
  for (let i = 0; i + 1 < raw.length; i += 2) if (!HOP_BY_HOP.has(raw[i]!.toLowerCase())) out.push(raw[i]!, raw[i + 1]!)
  return out
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, LOOPBACK, () => {
      const a = server.address()
      resolve(typeof a === 'object' && a ? a.port : 0)
    })
  })
}

function closeServer(server: Server, sockets: Set<Socket>): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve())
    for (const s of sockets) s.destroy()
  })
}

function trackSockets(server: Server): Set<Socket> {
  const sockets = new Set<Socket>()
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  return sockets
}

/** Sends an error answer once the request body has been read (so clients never see EPIPE). */
function answerAfterBody(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: unknown,
  onBytes: (n: number) => void,
): void {
  req.on('data', (c: Buffer) => onBytes(c.length))
  req.on('end', () => {
    const text = JSON.stringify(body)
    res.writeHead(status, {
      'Content-Type': 'application/json',
      'Content-Length': String(Buffer.byteLength(text)),
      ...headers,
    })
    res.end(text)
  })
  req.resume()
}

interface Upstream {
  hostname: string
  port: number
  agent: Agent
}

/**
 * Forwards `req` upstream and streams the answer to `res`. With `resetAfter`, the connection is
 * destroyed once that many body bytes have been sent.
 */
function forward(
  up: Upstream,
  req: IncomingMessage,
  res: ServerResponse,
  headers: IncomingMessage['headers'],
  hooks: {
    onRequestBytes(n: number): void
    onStatus(s: number): void
    onResponseBytes(n: number): void
    onDone(completed: boolean): void
    resetAfter?: number
    stallAfter?: number
    pad?: number
  },
): void {
  const upReq = request({
    hostname: up.hostname,
    port: up.port,
    method: req.method,
    path: req.url,
    headers,
    agent: up.agent,
  })
  upReq.on('response', (upRes) => {
    hooks.onStatus(upRes.statusCode ?? 502)
    let raw = filteredRawHeaders(upRes.rawHeaders)
    const pad = hooks.pad && upRes.statusCode === 200 ? hooks.pad : 0
    if (pad) {
      const out: string[] = []
      for (let i = 0; i + 1 < raw.length; i += 2) {
        if (raw[i]!.toLowerCase() === 'content-length') out.push(raw[i]!, String(Number(raw[i + 1]) + pad))
        else out.push(raw[i]!, raw[i + 1]!)
      }
      raw = out
    }
    res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, raw)
    let sent = 0
    let cut = false
    upRes.on('data', (chunk: Buffer) => {
      if (cut) return
      if (hooks.stallAfter !== undefined && sent + chunk.length >= hooks.stallAfter) {
        // send up to the mark, then nothing more: the client sees a silent, open connection
        cut = true
        const part = chunk.subarray(0, hooks.stallAfter - sent)
        sent += part.length
        hooks.onResponseBytes(part.length)
        if (part.length) res.write(part)
        else res.flushHeaders()
        upRes.destroy()
        res.on('close', () => hooks.onDone(false))
        return
      }
      if (hooks.resetAfter !== undefined && sent + chunk.length >= hooks.resetAfter) {
        cut = true
        const part = chunk.subarray(0, hooks.resetAfter - sent)
        sent += part.length
        hooks.onResponseBytes(part.length)
        const kill = () => {
          res.socket?.destroy()
          upRes.destroy()
          hooks.onDone(false)
        }
        if (part.length) {
          res.write(part, kill)
        } else {
          res.flushHeaders()
          setImmediate(kill)
        }
        return
      }
      sent += chunk.length
      hooks.onResponseBytes(chunk.length)
      if (!res.write(chunk)) {
        upRes.pause()
        res.once('drain', () => upRes.resume())
      }
    })
    upRes.on('end', () => {
      if (cut) return
      if (pad) {
        // padding after the real blob, written with backpressure (so what was sent is what the client read, roughly)
        let left = pad
        const block = Buffer.alloc(64 * 1024, 0)
        const more = (): void => {
          while (left > 0) {
            const n = Math.min(left, block.length)
            left -= n
            hooks.onResponseBytes(n)
            if (!res.write(n === block.length ? block : block.subarray(0, n))) {
              res.once('drain', more)
              return
            }
          }
          res.end()
          hooks.onDone(true)
        }
        more()
        return
      }
      res.end()
      hooks.onDone(true)
    })
    upRes.on('error', () => res.destroy())
  })
  upReq.on('error', (e) => {
    if (res.headersSent) return res.destroy()
    hooks.onStatus(502)
    res.writeHead(502, { 'Content-Type': 'text/plain' })
    res.end(`proxy: upstream error: ${e.message}`)
    hooks.onDone(false)
  })
  req.on('data', (c: Buffer) => hooks.onRequestBytes(c.length))
  req.pipe(upReq)
  res.on('close', () => {
    if (!res.writableFinished) upReq.destroy()
  })
}

/** Fetches the full tag list upstream and answers one page of it, with a Link to the next. */
function paginateTags(
  up: Upstream,
  req: IncomingMessage,
  res: ServerResponse,
  info: RequestInfo,
  pageSize: number,
  done: (status: number) => void,
): void {
  const q = new URLSearchParams(info.query)
  const n = Math.min(pageSize, Number(q.get('n') ?? pageSize) || pageSize)
  const last = q.get('last')
  const headers = { ...req.headers }
  const upReq = request({
    hostname: up.hostname,
    port: up.port,
    method: 'GET',
    path: info.path,
    headers,
    agent: up.agent,
  })
  upReq.on('response', (upRes) => {
    const chunks: Buffer[] = []
    upRes.on('data', (c: Buffer) => chunks.push(c))
    upRes.on('end', () => {
      if (upRes.statusCode !== 200) {
        res.writeHead(upRes.statusCode ?? 502, filteredRawHeaders(upRes.rawHeaders))
        res.end(Buffer.concat(chunks))
        return done(upRes.statusCode ?? 502)
      }
      const body = JSON.parse(Buffer.concat(chunks).toString()) as { name: string; tags: string[] | null }
      const all = [...(body.tags ?? [])].sort()
      const start = last === null ? 0 : all.findIndex((t) => t > last)
      const page = start === -1 ? [] : all.slice(start, start + n)
      const out: Record<string, string> = { 'Content-Type': 'application/json' }
      if (start !== -1 && start + n < all.length) {
        out.Link = `<${info.path}?n=${n}&last=${encodeURIComponent(page[page.length - 1]!)}>; rel="next"`
      }
      res.writeHead(200, out)
      res.end(JSON.stringify({ name: body.name, tags: page }))
      done(200)
    })
  })
  upReq.on('error', () => {
    res.writeHead(502)
    res.end()
    done(502)
  })
  upReq.end()
}

export async function startProxy(
  target: string | { url: string },
  behaviour: ProxyBehaviour = {},
): Promise<RegistryProxy> {
  const targetUrl = new URL(typeof target === 'string' ? target : target.url)
  if (targetUrl.protocol !== 'http:')
    throw new Error(`startProxy: only plain-HTTP targets are supported (${targetUrl.href})`)
  const up: Upstream = {
    hostname: targetUrl.hostname,
    port: Number(targetUrl.port || 80),
    agent: new Agent({ keepAlive: true }),
  }

  let requestResetsLeft = behaviour.resetRequests ? (behaviour.resetRequests.times ?? Infinity) : 0
  const isRequestReset = matcherOf(behaviour.resetRequests?.match, () => true)
  let unavailableLeft = behaviour.unavailable?.times ?? 0
  let tooManyLeft = behaviour.tooManyRequests ? (behaviour.tooManyRequests.times ?? 1) : 0
  let resetsLeft = behaviour.resetBlobGet ? (behaviour.resetBlobGet.times ?? 1) : 0
  const isUnavailable = matcherOf(behaviour.unavailable?.match, () => true)
  const isRefused = matcherOf(behaviour.refuse?.match, () => false)
  const isTooMany = matcherOf(behaviour.tooManyRequests?.match, () => true)
  const isResetTarget = matcherOf(behaviour.resetBlobGet?.match, isBlobGet)
  const takeReset = (info: RequestInfo): number | undefined => {
    if (resetsLeft > 0 && isResetTarget(info)) {
      resetsLeft--
      return behaviour.resetBlobGet!.afterBytes
    }
    return undefined
  }

  let stallsLeft = behaviour.stallBlobGet ? (behaviour.stallBlobGet.times ?? 1) : 0
  const isStallTarget = matcherOf(behaviour.stallBlobGet?.match, isBlobGet)
  const ignoreRangeOpts = behaviour.ignoreRange
    ? behaviour.ignoreRange === true
      ? {}
      : behaviour.ignoreRange
    : undefined
  const isIgnoreRangeTarget = matcherOf(ignoreRangeOpts?.match, isBlobGet)
  const isPadTarget = matcherOf(behaviour.padBlobGet?.match, isBlobGet)
  // mulberry32: a small seeded generator, so a faulty run can be repeated
  let seed = (behaviour.randomFaults?.seed ?? 1) >>> 0
  const random = (): number => {
    seed = (seed + 0x6d2b79f5) >>> 0
    let t = seed
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const uploadsCut = new Set<string>()
  const isUpload = (r: RequestInfo) => (r.method === 'PATCH' || r.method === 'PUT') && /\/blobs\/uploads\//.test(r.path)

  const log: ProxyEntry[] = []
  const redirectLog: RedirectEntry[] = []
  const signed = new Map<string, { authorization?: string }>()
  const redirectOpts = behaviour.redirectBlobGets
    ? behaviour.redirectBlobGets === true
      ? {}
      : behaviour.redirectBlobGets
    : undefined

  // The redirect target: another port, addressed by another host name.
  let redirect: { server: Server; sockets: Set<Socket>; port: number; base: string } | undefined
  if (redirectOpts) {
    const server = createServer((req, res) => {
      const info = infoOf(req)
      const entry: RedirectEntry = {
        ...info,
        status: 0,
        responseBytes: 0,
        authorization: req.headers.authorization,
        range: req.headers.range,
      }
      redirectLog.push(entry)
      const sig = new URLSearchParams(info.query).get('sig') ?? ''
      const grant = signed.get(sig)
      if (!grant || req.method !== 'GET') {
        entry.status = 403
        res.writeHead(403, { 'Content-Type': 'text/plain' })
        return res.end('redirect target: unknown or missing signature')
      }
      const headers: IncomingMessage['headers'] = {
        host: `${up.hostname}:${up.port}`,
        'user-agent': 'skiff-test-redirect-target',
      }
      if (grant.authorization) headers.authorization = grant.authorization
      if (req.headers.range) headers.range = req.headers.range
      const resetAfter = takeReset(info)
      if (resetAfter !== undefined) entry.fault = 'reset'
      req.url = info.path
      forward(up, req, res, headers, {
        onRequestBytes: () => {},
        onStatus: (s) => (entry.status = s),
        onResponseBytes: (n) => (entry.responseBytes += n),
        onDone: () => {},
        resetAfter,
      })
    })
    const sockets = trackSockets(server)
    const port = await listen(server)
    redirect = { server, sockets, port, base: `http://${redirectOpts.hostname ?? 'localhost'}:${port}` }
  }

  const server = createServer((req, res) => {
    const info = infoOf(req)
    const entry: ProxyEntry = {
      ...info,
      status: 0,
      requestBytes: 0,
      responseBytes: 0,
      completed: false,
      authorization: req.headers.authorization,
      range: req.headers.range,
    }
    log.push(entry)
    const countIn = (n: number) => (entry.requestBytes += n)
    const finish = (status: number, fault: Fault) => {
      entry.status = status
      entry.fault = fault
      res.on('finish', () => (entry.completed = true))
    }
    if (requestResetsLeft > 0 && isRequestReset(info)) {
      requestResetsLeft--
      entry.fault = 'request-reset'
      req.socket.resetAndDestroy()
      return
    }
    if (behaviour.refuse && isRefused(info)) {
      finish(behaviour.refuse.status, 'refused')
      return answerAfterBody(req, res, behaviour.refuse.status, {}, behaviour.refuse.body, countIn)
    }
    if (unavailableLeft > 0 && isUnavailable(info)) {
      unavailableLeft--
      const status = behaviour.unavailable!.status ?? 503
      finish(status, 'unavailable')
      return answerAfterBody(
        req,
        res,
        status,
        {},
        { errors: [{ code: 'UNAVAILABLE', message: 'service unavailable (injected by the test proxy)' }] },
        countIn,
      )
    }
    if (tooManyLeft > 0 && isTooMany(info)) {
      tooManyLeft--
      finish(429, 'too-many-requests')
      const retryAfter = String(behaviour.tooManyRequests!.retryAfter ?? 1)
      return answerAfterBody(
        req,
        res,
        429,
        { 'Retry-After': retryAfter },
        { errors: [{ code: 'TOOMANYREQUESTS', message: 'too many requests (injected by the test proxy)' }] },
        countIn,
      )
    }
    if (redirect && isBlobGet(info)) {
      const sig = randomBytes(12).toString('hex')
      signed.set(sig, { authorization: req.headers.authorization })
      finish(redirectOpts!.status ?? 307, 'redirect')
      return answerAfterBody(
        req,
        res,
        redirectOpts!.status ?? 307,
        { Location: `${redirect.base}${info.path}?sig=${sig}` },
        { redirect: true },
        countIn,
      )
    }
    if (behaviour.paginateTags && req.method === 'GET' && /^\/v2\/.+\/tags\/list$/.test(info.path)) {
      return paginateTags(up, req, res, info, behaviour.paginateTags.pageSize, (status) => {
        entry.status = status
        entry.completed = true
      })
    }
    let resetAfter = takeReset(info)
    if (resetAfter !== undefined) entry.fault = 'reset'
    let stallAfter: number | undefined
    if (stallsLeft > 0 && isStallTarget(info)) {
      stallsLeft--
      stallAfter = behaviour.stallBlobGet!.afterBytes
      entry.fault = 'stall'
    }
    const headers = { ...req.headers }
    if (ignoreRangeOpts && headers.range && isIgnoreRangeTarget(info)) {
      delete headers.range
      entry.fault = 'range-ignored'
    }
    const pad = behaviour.padBlobGet && isPadTarget(info) ? behaviour.padBlobGet.bytes : undefined
    if (pad) entry.fault = 'padded'
    const rf = behaviour.randomFaults
    if (rf?.blobGets && resetAfter === undefined && isBlobGet(info) && random() < rf.blobGets) {
      // cut somewhere in the first 64 KiB (small test layers), at least one byte in
      resetAfter = 1 + Math.floor(random() * 65536)
      entry.fault = 'reset'
    }
    const uploadKey = new URLSearchParams(info.query).get('digest') ?? info.path
    if (
      rf?.uploads &&
      isUpload(info) &&
      Number(req.headers['content-length'] ?? 1) > 0 &&
      !uploadsCut.has(uploadKey) &&
      random() < rf.uploads
    ) {
      uploadsCut.add(uploadKey)
      entry.fault = 'upload-reset'
      const cutAt = Math.floor(random() * Math.max(1, Number(req.headers['content-length'] ?? 4096)))
      let got = 0
      req.on('data', (c: Buffer) => {
        countIn(c.length)
        got += c.length
        if (got >= cutAt) req.socket.destroy()
      })
      req.on('end', () => req.socket.destroy())
      req.resume()
      return
    }
    forward(up, req, res, headers, {
      onRequestBytes: countIn,
      onStatus: (s) => (entry.status = s),
      onResponseBytes: (n) => (entry.responseBytes += n),
      onDone: (ok) => (entry.completed = ok),
      resetAfter,
      stallAfter,
      ...(pad ? { pad } : {}),
    })
  })
  const sockets = trackSockets(server)
  const port = await listen(server)
  let closing: Promise<void> | undefined
  return {
    url: `http://${LOOPBACK}:${port}`,
    host: `${LOOPBACK}:${port}`,
    port,
    requests: () => [...log],
    ...(redirect
      ? {
          redirectTarget: {
            url: redirect.base,
            host: `${LOOPBACK}:${redirect.port}`,
            port: redirect.port,
            requests: () => [...redirectLog],
          },
        }
      : {}),
    close() {
      closing ??= (async () => {
        await closeServer(server, sockets)
        if (redirect) await closeServer(redirect.server, redirect.sockets)
        up.agent.destroy()
      })()
      return closing
    },
  }
}
