/**
 * Follows 301/302/303/307/308 for requests that ask for it (`followRedirects`), at most 10 hops;
 * 303 turns the request into a GET. Authorization is never sent to another origin (scheme, host
 * or port): a blob redirect to a CDN or object store carries its own signature. The context
 * (AnswerContext) says which URL and method answered.
 */
import { SkiffError } from '../../errors.js'
import { withoutHeaders } from './headers.js'
import {
  ReDispatchingHandler,
  urlOf,
  type AnswerContext,
  type Controller,
  type Handler,
  type Interceptor,
  type SkiffDispatchOptions,
} from './types.js'

const REDIRECTS = new Set([301, 302, 303, 307, 308])
export const MAX_REDIRECTS = 10

export function redirects(): Interceptor {
  return (dispatch) => (opts, handler) => {
    const o = opts as SkiffDispatchOptions
    if (!o.followRedirects) return dispatch(opts, handler)
    return new RedirectHandler(dispatch, o, handler).start()
  }
}

class RedirectHandler extends ReDispatchingHandler {
  private readonly context: AnswerContext
  private readonly firstOrigin: string
  private hops = 0
  /** Where the current answer sends us (its body is dropped); undefined: forward the answer. */
  private next: URL | undefined
  private seeOther = false

  constructor(
    private readonly dispatch: (opts: SkiffDispatchOptions, handler: Handler) => boolean,
    private opts: SkiffDispatchOptions,
    handler: Handler,
  ) {
    super(handler)
    const url = urlOf(opts)
    this.firstOrigin = url.origin
    this.context = { url, method: opts.method }
  }

  start(): boolean {
    return this.dispatch(this.opts, this)
  }

  /** The handler above learns which URL and method answered (send() reads it). */
  protected override contextFor(): unknown {
    return this.context
  }

  onResponseStart(
    _c: Controller,
    status: number,
    headers: Record<string, string | string[] | undefined>,
    message?: string,
  ): void {
    const loc = headers.location
    const location = Array.isArray(loc) ? loc[0] : loc
    if (REDIRECTS.has(status) && location && this.hops < MAX_REDIRECTS) {
      try {
        this.next = new URL(location, this.context.url)
      } catch {
        this.next = undefined
      }
      if (this.next) {
        this.seeOther = status === 303
        return
      }
    }
    this.handler.onResponseStart?.(this.relay, status, headers, message)
  }

  onResponseData(_c: Controller, chunk: Buffer): void {
    if (!this.next) this.handler.onResponseData?.(this.relay, chunk)
  }

  onResponseEnd(_c: Controller, trailers: Record<string, string | string[] | undefined>): void {
    const next = this.next
    if (!next) {
      this.handler.onResponseEnd?.(this.relay, trailers)
      return
    }
    this.next = undefined
    this.hops++
    if (this.relay.aborted) {
      this.handler.onResponseError?.(this.relay, this.relay.reason ?? new SkiffError('ERR_IO', 'request aborted'))
      return
    }
    const method = this.seeOther && this.opts.method !== 'HEAD' ? 'GET' : this.opts.method
    // Authorization (and cookies) only ever go to the origin the request was made for
    const headers =
      next.origin === this.firstOrigin
        ? this.opts.headers
        : withoutHeaders(this.opts.headers, 'authorization', 'cookie', 'proxy-authorization')
    this.opts = {
      ...this.opts,
      origin: next.origin,
      path: next.pathname + next.search,
      method,
      headers,
      ...(method !== this.opts.method ? { body: null } : {}),
    }
    this.context.url = next
    this.context.method = method
    this.dispatch(this.opts, this)
  }

  onResponseError(_c: Controller, e: Error): void {
    this.handler.onResponseError?.(this.relay, e)
  }
}
