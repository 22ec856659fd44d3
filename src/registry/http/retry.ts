/**
 * Retries a request that failed before its answer was passed on: a connection that broke, stalled
 * or was refused (util/retry.ts isRetryable), or an answer whose status is worth another try
 * (429 and 5xx; its body is dropped, Retry-After is honoured). Each retry spends one from the
 * request's budget (`retry`: the operation's, else one of its own of `retryTimes`); a body that is
 * a stream is never sent twice. A failure after the answer was passed on (a body cut mid-way) is
 * the caller's: blob downloads resume with Range.
 */
import { noDebugLog, type DebugLog } from '../log.js'
import { isRetryable, isRetryableStatus, isUnreachable, retryAfterMs, RetryBudget, sleep } from '../../util/retry.js'
import {
  ReDispatchingHandler,
  urlOf,
  type Controller,
  type Handler,
  type Interceptor,
  type SkiffDispatchOptions,
} from './types.js'

export interface RetryDefaults {
  /** Retries of a request that brings no budget (default 3). */
  retryTimes?: number
  retryDelayMs?: number
  /** The context's --debug log (default none). */
  log?: DebugLog
  /** Turns a network error into what a warning should say (e.g. describeNetworkError). */
  describe?: (e: unknown, opts: SkiffDispatchOptions) => unknown
}

type Headers = Record<string, string | string[] | undefined>

export function retries(defaults: RetryDefaults = {}): Interceptor {
  return (dispatch) => (opts, handler) => {
    const o = opts as SkiffDispatchOptions
    const budget =
      o.retry ??
      new RetryBudget({
        maxRetries: defaults.retryTimes ?? 3,
        ...(defaults.retryDelayMs !== undefined ? { delayMs: defaults.retryDelayMs } : {}),
      })
    return new RetryHandler(
      dispatch,
      o,
      handler,
      budget,
      defaults.describe ?? ((e) => e),
      defaults.log ?? noDebugLog,
    ).start()
  }
}

/** Whether the body can be sent again (nothing, a string or bytes; not a stream or iterable). */
function replayable(body: SkiffDispatchOptions['body']): boolean {
  return body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array
}

class RetryHandler extends ReDispatchingHandler {
  /** The current answer was passed on to the handler above. */
  private forwarding = false
  /** The current answer is being dropped for a retry after this many ms. */
  private retryIn: number | undefined

  constructor(
    private readonly dispatch: (opts: SkiffDispatchOptions, handler: Handler) => boolean,
    private readonly opts: SkiffDispatchOptions,
    handler: Handler,
    private readonly budget: RetryBudget,
    private readonly describe: (e: unknown, opts: SkiffDispatchOptions) => unknown,
    private readonly log: DebugLog,
  ) {
    super(handler)
  }

  start(): boolean {
    return this.dispatch(this.opts, this)
  }

  private canRetry(): boolean {
    return replayable(this.opts.body) && !this.opts.signal?.aborted && !this.relay.aborted
  }

  private again(delay: number, why: string): void {
    this.log(
      () =>
        `registry: ${this.opts.method} ${urlOf(this.opts).href}: ${why}; retrying in ${delay} ms (${this.budget.spent}/${this.budget.policy.maxRetries})`,
    )
    sleep(delay, this.opts.signal).then(
      () => {
        if (this.relay.aborted) this.handler.onResponseError?.(this.relay, this.relay.reason!)
        else this.dispatch(this.opts, this)
      },
      (e: unknown) => this.handler.onResponseError?.(this.relay, e as Error),
    )
  }

  onResponseStart(_c: Controller, status: number, headers: Headers, message?: string): void {
    if (isRetryableStatus(status) && this.canRetry()) {
      const url = urlOf(this.opts)
      const ra = headers['retry-after']
      const why = new Error(`${this.opts.method} ${url.origin}${url.pathname}: HTTP ${status}`)
      const delay = this.budget.take(why, 'request', retryAfterMs(Array.isArray(ra) ? ra[0] : ra))
      if (delay !== undefined) {
        this.retryIn = delay
        return
      }
    }
    this.forwarding = true
    this.handler.onResponseStart?.(this.relay, status, headers, message)
  }

  onResponseData(_c: Controller, chunk: Buffer): void {
    if (this.forwarding) this.handler.onResponseData?.(this.relay, chunk)
  }

  onResponseEnd(_c: Controller, trailers: Headers): void {
    if (this.forwarding) return this.handler.onResponseEnd?.(this.relay, trailers)
    const delay = this.retryIn!
    this.retryIn = undefined
    this.again(delay, 'retryable answer')
  }

  onResponseError(_c: Controller, e: Error): void {
    // a host that cannot be reached at all is retried only when asked (--retry-times): a typo fails at once
    const worth = isRetryable(e) && (this.budget.policy.retryUnreachable === true || !isUnreachable(e))
    if (!this.forwarding && this.canRetry() && worth) {
      // a dropped answer whose body broke is retried as planned; a request that failed is retried if the budget allows
      const delay = this.retryIn ?? this.budget.take(this.describe(e, this.opts), 'request')
      this.retryIn = undefined
      if (delay !== undefined) return this.again(delay, e.message)
    }
    this.handler.onResponseError?.(this.relay, e)
  }
}
