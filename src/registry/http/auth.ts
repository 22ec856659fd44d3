/**
 * Authentication as an interceptor: a request that brings an `auth` provider gets its
 * Authorization header from it (a cached Bearer token, fetched when needed, or Basic
 * credentials); when the answer is 401 and the body can be sent again, the provider is asked
 * whether to try once more (it learns the challenge, drops a stale token, widens the scopes) and
 * the request is sent again with a fresh header. A 401 that is not retried is passed on whole.
 */
import { MAX_ERROR_BODY_SIZE } from '../../util/limits.js'
import { withHeader } from './headers.js'
import {
  ReDispatchingHandler,
  type Controller,
  type Handler,
  type Interceptor,
  type SkiffDispatchOptions,
} from './types.js'

type Headers = Record<string, string | string[] | undefined>

export interface AuthProvider {
  /** The Authorization value for the next attempt, or undefined to send none. */
  header(): Promise<string | undefined>
  /** After a 401 (its headers): whether to send the request once more. */
  retryAfter401(headers: Headers): Promise<boolean>
}

export interface AuthDispatchOptions extends SkiffDispatchOptions {
  auth?: AuthProvider
}

export function authentication(): Interceptor {
  return (dispatch) => (opts, handler) => {
    const o = opts as AuthDispatchOptions
    if (!o.auth) return dispatch(opts, handler)
    new AuthHandler(dispatch, o, o.auth, handler).send()
    return true
  }
}

function replayable(body: SkiffDispatchOptions['body']): boolean {
  return body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array
}

class AuthHandler extends ReDispatchingHandler {
  private second = false
  /** A 401 held back while the provider decides: its status line, headers and (bounded) body. */
  private held:
    { status: number; headers: Headers; message: string | undefined; body: Buffer[]; size: number } | undefined
  private forwarding = false

  constructor(
    private readonly dispatch: (opts: SkiffDispatchOptions, handler: Handler) => boolean,
    private readonly opts: AuthDispatchOptions,
    private readonly auth: AuthProvider,
    handler: Handler,
  ) {
    super(handler)
  }

  send(): void {
    this.auth.header().then(
      (h) => {
        const { auth: _auth, ...rest } = this.opts
        const headers = h !== undefined ? withHeader(this.opts.headers, 'authorization', h) : this.opts.headers
        this.dispatch({ ...rest, ...(headers ? { headers } : {}) }, this)
      },
      (e: unknown) => this.handler.onResponseError?.(this.relay, e as Error),
    )
  }

  onResponseStart(_c: Controller, status: number, headers: Headers, message?: string): void {
    if (status === 401 && !this.second && replayable(this.opts.body)) {
      this.held = { status, headers, message, body: [], size: 0 }
      return
    }
    this.forwarding = true
    this.handler.onResponseStart?.(this.relay, status, headers, message)
  }

  onResponseData(_c: Controller, chunk: Buffer): void {
    const h = this.held
    if (h) {
      if (h.size < MAX_ERROR_BODY_SIZE) h.body.push(chunk.subarray(0, MAX_ERROR_BODY_SIZE - h.size))
      h.size += chunk.length
      return
    }
    if (this.forwarding) this.handler.onResponseData?.(this.relay, chunk)
  }

  onResponseEnd(_c: Controller, trailers: Headers): void {
    const h = this.held
    if (!h) return this.handler.onResponseEnd?.(this.relay, trailers)
    this.held = undefined
    this.auth.retryAfter401(h.headers).then(
      (again) => {
        if (again && !this.relay.aborted) {
          this.second = true
          return this.send()
        }
        // pass the 401 on as it came
        this.handler.onResponseStart?.(this.relay, h.status, h.headers, h.message)
        if (h.body.length) this.handler.onResponseData?.(this.relay, Buffer.concat(h.body))
        this.handler.onResponseEnd?.(this.relay, trailers)
      },
      (e: unknown) => this.handler.onResponseError?.(this.relay, e as Error),
    )
  }

  onResponseError(_c: Controller, e: Error): void {
    this.held = undefined
    this.handler.onResponseError?.(this.relay, e)
  }
}
