/**
 * A minimal Docker Engine API client on node:http / node:https: unix sockets or TCP (optionally
 * TLS). Paths are unversioned, so the daemon answers with its own API version (old daemons accept
 * 1.12+, new ones refuse very old explicit versions). Errors become one-line SkiffErrors.
 */
import type { ClientRequest, IncomingMessage, RequestOptions } from 'node:http'
import { lazyBuiltin } from '../../util/lazy-builtin.js'
import { SkiffError, opt, withOptions } from '../../errors.js'
import { VERSION } from '../../version.js'
import type { DaemonEndpoint } from './endpoint.js'

// loaded on first use: node:http brings its parser binding into every copy process (and cannot be in a start-up snapshot)
const http = lazyBuiltin<typeof import('node:http')>('node:http')
const https = lazyBuiltin<typeof import('node:https')>('node:https')

/** The daemon's answers to a request are at most this big when they are JSON (errors, load status). */
const MAX_JSON_RESPONSE = 4 << 20

const CONNECT_ERRORS = new Set([
  'ENOENT',
  'ECONNREFUSED',
  'EACCES',
  'ENOTSOCK',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ECONNRESET',
])

/** A connection-level failure as the user should read it. */
export function connectionError(ep: DaemonEndpoint, e: unknown, image?: string): SkiffError {
  if (e instanceof SkiffError) return e
  const err = e as NodeJS.ErrnoException
  if ((err as Error).name === 'AbortError')
    return new SkiffError('ERR_ABORTED', `${image ? `${image}: ` : ''}the request to the Docker daemon was aborted`, {
      cause: e,
      ...(image ? { image } : {}),
    })
  const code = err?.code ?? ''
  const prefix = image ? `${image}: ` : ''
  if (
    code.startsWith('ERR_TLS') ||
    code.startsWith('ERR_SSL') ||
    code.startsWith('CERT_') ||
    code.includes('SELF_SIGNED') ||
    code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' ||
    code === 'EPROTO'
  ) {
    const reason = (err as { reason?: unknown }).reason
    const why = typeof reason === 'string' && reason !== '' ? reason : err.message
    return new SkiffError(
      'ERR_TLS',
      withOptions`${prefix}TLS error talking to the Docker daemon at ${ep.host}: ${why}; check DOCKER_CERT_PATH / ${opt('registry.certDir')} (ca.pem, cert.pem, key.pem)`,
      { cause: e, ...(image ? { image } : {}) },
    )
  }
  if (CONNECT_ERRORS.has(code) || code === '') {
    const why = code === 'EACCES' ? ' (permission denied on the socket)' : ''
    return new SkiffError(
      'ERR_IO',
      withOptions`${prefix}cannot connect to the Docker daemon at ${ep.host}${why}; is dockerd running? (use ${ep.hostOption} / DOCKER_HOST)`,
      { cause: e, ...(image ? { image } : {}) },
    )
  }
  return new SkiffError('ERR_IO', `${prefix}talking to the Docker daemon at ${ep.host}: ${err.message}`, {
    cause: e,
    ...(image ? { image } : {}),
  })
}

export interface DaemonRequestOptions {
  headers?: Record<string, string>
  signal?: AbortSignal | undefined
}

/** Starts a request; the caller writes the body (or ends it) and waits for `response`. */
export function startRequest(
  ep: DaemonEndpoint,
  method: string,
  path: string,
  opts: DaemonRequestOptions = {},
): { req: ClientRequest; response: Promise<IncomingMessage> } {
  const base: RequestOptions = {
    method,
    path,
    headers: { 'User-Agent': `skiff/${VERSION}`, ...(opts.headers ?? {}) },
    ...(opts.signal ? { signal: opts.signal } : {}),
  }
  let req: ClientRequest
  if (ep.socketPath !== undefined) {
    req = http().request({ ...base, socketPath: ep.socketPath, host: 'docker' })
  } else if (ep.tls) {
    req = https().request({ ...base, host: ep.hostname, port: ep.port, ...ep.tls })
  } else {
    req = http().request({ ...base, host: ep.hostname, port: ep.port })
  }
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req.once('response', resolve)
    req.once('error', reject)
  })
  // Nobody may be waiting yet (a body is being streamed); the caller awaits `response` later.
  response.catch(() => undefined)
  return { req, response }
}

/** A request without a body. Connection failures become connectionError. */
export async function daemonRequest(
  ep: DaemonEndpoint,
  method: string,
  path: string,
  opts: DaemonRequestOptions & { image?: string } = {},
): Promise<IncomingMessage> {
  const { req, response } = startRequest(ep, method, path, opts)
  req.end()
  try {
    return await response
  } catch (e) {
    throw connectionError(ep, e, opts.image)
  }
}

/** Reads a (small) response body. */
export async function readBody(res: IncomingMessage, limit = MAX_JSON_RESPONSE): Promise<Buffer> {
  const chunks: Buffer[] = []
  let n = 0
  for await (const c of res) {
    n += (c as Buffer).length
    if (n > limit) {
      res.destroy()
      throw new SkiffError('ERR_IO', `the Docker daemon's response is larger than ${limit} bytes`)
    }
    chunks.push(c as Buffer)
  }
  return Buffer.concat(chunks)
}

/** The daemon's error message from a failed response (`{"message": "..."}`), or the status line. */
export async function errorMessage(res: IncomingMessage): Promise<string> {
  let text = ''
  try {
    text = (await readBody(res)).toString('utf8').trim()
  } catch {
    // fall through to the status line
  }
  try {
    const j = JSON.parse(text) as { message?: unknown }
    if (typeof j.message === 'string' && j.message !== '') return j.message
  } catch {
    // not JSON
  }
  const first = text.split('\n')[0]?.slice(0, 300)
  return first ? `HTTP ${res.statusCode}: ${first}` : `HTTP ${res.statusCode} ${res.statusMessage ?? ''}`.trim()
}

/** GET /_ping: fails with a clear message when the daemon cannot be reached. */
export async function ping(
  ep: DaemonEndpoint,
  opts: { signal?: AbortSignal | undefined; image?: string } = {},
): Promise<void> {
  const res = await daemonRequest(ep, 'GET', '/_ping', opts)
  if (res.statusCode !== 200) {
    const msg = await errorMessage(res)
    throw new SkiffError(
      'ERR_IO',
      `${opts.image ? `${opts.image}: ` : ''}the Docker daemon at ${ep.host} is not ready: ${msg}`,
      opts.image ? { image: opts.image } : {},
    )
  }
  res.resume()
}
