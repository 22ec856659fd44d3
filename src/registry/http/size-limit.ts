/**
 * Bounds what is read into memory (util/limits.ts): a request with `maxBodySize` fails with its
 * `tooLarge()` error when a 2xx answer declares a larger Content-Length (before any byte is read)
 * or sends more bytes than that (the connection is dropped at once). Error answers are not
 * limited here: their text is truncated by readErrorText.
 */
import { Relay, type Controller, type Handler, type Interceptor, type SkiffDispatchOptions } from './types.js'
import { sizeLimitMessage } from '../../util/limits.js'

export function sizeLimits(): Interceptor {
  return (dispatch) => (opts, handler) => {
    const o = opts as SkiffDispatchOptions
    if (o.maxBodySize === undefined) return dispatch(opts, handler)
    return dispatch(
      opts,
      new SizeLimitHandler(handler, o.maxBodySize, o.tooLarge ?? (() => new Error(sizeLimitMessage(o.maxBodySize!)))),
    )
  }
}

type Headers = Record<string, string | string[] | undefined>

class SizeLimitHandler implements Handler {
  private readonly relay = new Relay()
  private limited = false
  private received = 0
  private failed = false

  constructor(
    private readonly handler: Handler,
    private readonly limit: number,
    private readonly tooLarge: () => Error,
  ) {}

  onRequestStart(c: Controller, context: unknown): void {
    this.relay.attach(c)
    this.handler.onRequestStart?.(this.relay, context)
  }

  onRequestUpgrade(
    c: Controller,
    status: number,
    headers: Headers,
    socket: Parameters<NonNullable<Handler['onRequestUpgrade']>>[3],
  ): void {
    this.handler.onRequestUpgrade?.(this.relay, status, headers, socket)
  }

  private fail(c: Controller): void {
    this.failed = true
    c.abort(this.tooLarge())
  }

  onResponseStart(c: Controller, status: number, headers: Headers, message?: string): void {
    this.limited = status >= 200 && status < 300
    const cl = headers['content-length']
    const declared = Number(Array.isArray(cl) ? cl[0] : cl)
    if (this.limited && Number.isFinite(declared) && declared > this.limit) return this.fail(c)
    this.handler.onResponseStart?.(this.relay, status, headers, message)
  }

  onResponseData(c: Controller, chunk: Buffer): void {
    if (this.failed) return
    this.received += chunk.length
    if (this.limited && this.received > this.limit) return this.fail(c)
    this.handler.onResponseData?.(this.relay, chunk)
  }

  onResponseEnd(c: Controller, trailers: Headers): void {
    if (!this.failed) this.handler.onResponseEnd?.(this.relay, trailers)
  }

  onResponseError(_c: Controller, e: Error): void {
    this.handler.onResponseError?.(this.relay, e)
  }
}
