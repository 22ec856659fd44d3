/**
 * What the HTTP layer's interceptors share: undici 7 dispatch options plus skiff's per-request
 * fields, and a controller relay for handlers that dispatch more than once (retries, redirects).
 */
import type { Dispatcher } from 'undici'
import type { RetryBudget } from '../../util/retry.js'

export interface SkiffDispatchOptions extends Dispatcher.DispatchOptions {
  /** Follow 3xx answers (redirect.ts). */
  followRedirects?: boolean
  /** The operation's retry budget (retry.ts); default: one of the request's own. */
  retry?: RetryBudget
  /** An answer body larger than this fails with `tooLarge()` (size-limit.ts). */
  maxBodySize?: number
  tooLarge?: () => Error
  /** The request's abort signal (undici's request() passes it down). */
  signal?: AbortSignal
}

export type Interceptor = Dispatcher.DispatcherComposeInterceptor
export type Handler = Dispatcher.DispatchHandler
export type Controller = Dispatcher.DispatchController

/** What redirect.ts reports in the request context: the URL and method that answered. */
export interface AnswerContext {
  url?: URL
  method?: string
}

/**
 * The controller a re-dispatching handler gives the handler above it once: pause/resume/abort go
 * to whichever attempt is current.
 */
export class Relay implements Controller {
  private inner: Controller | undefined
  private abortedWith: Error | null = null
  private isPaused = false

  attach(c: Controller): void {
    this.inner = c
    if (this.abortedWith) c.abort(this.abortedWith)
    else if (this.isPaused) c.pause()
  }

  get aborted(): boolean {
    return this.abortedWith !== null
  }

  get paused(): boolean {
    return this.isPaused
  }

  get reason(): Error | null {
    return this.abortedWith
  }

  abort(reason: Error): void {
    if (this.abortedWith) return
    this.abortedWith = reason
    this.inner?.abort(reason)
  }

  pause(): void {
    this.isPaused = true
    this.inner?.pause()
  }

  resume(): void {
    this.isPaused = false
    this.inner?.resume()
  }
}

/** The request's absolute URL. */
export function urlOf(opts: Dispatcher.DispatchOptions): URL {
  return new URL(opts.path, opts.origin)
}

/**
 * The base of a handler that may dispatch its request more than once (auth, retry, redirect): the
 * handler above sees one Relay controller and one onRequestStart, whatever the attempts.
 */
export abstract class ReDispatchingHandler implements Handler {
  protected readonly relay = new Relay()
  private started = false

  constructor(protected readonly handler: Handler) {}

  /** The request context the handler above is given (default: the first attempt's). */
  protected contextFor(context: unknown): unknown {
    return context
  }

  onRequestStart(c: Controller, context: unknown): void {
    this.relay.attach(c)
    if (this.started) return
    this.started = true
    this.handler.onRequestStart?.(this.relay, this.contextFor(context))
  }

  onRequestUpgrade(
    _c: Controller,
    status: number,
    headers: Parameters<NonNullable<Handler['onRequestUpgrade']>>[2],
    socket: Parameters<NonNullable<Handler['onRequestUpgrade']>>[3],
  ): void {
    this.handler.onRequestUpgrade?.(this.relay, status, headers, socket)
  }
}
