/**
 * Adaptive requests in flight per origin (AIMD, as TCP's congestion window):
 *
 * - the limit starts at `initial` (6: undici's and the old fixed per-host connection count) and
 *   stays within [1, max] (max: --connections-per-host's value, default 32, which is also the
 *   connection pool's size);
 * - additive increase: each answer to a request that had to wait for a slot (more demand than
 *   the limit) raises the limit by 1/limit, i.e. by one per window of answers. Over a long round
 *   trip requests last longer, so more of them wait and the limit grows until the demand (images
 *   in flight × blobs) is met; on loopback the demand rarely exceeds the start value;
 * - multiplicative decrease: a 429 or 503 answer halves it (at most once per second, so a burst of
 *   refusals from one overload counts once); the retry interceptor above waits (Retry-After) and
 *   sends the request again, under the smaller limit.
 *
 * A slot is held from dispatch until the answer's end (a blob GET holds it while its body is
 * read, as a connection is held); an answer that is not 2xx frees it when its headers arrive, so a
 * 401 that makes the auth interceptor fetch a token, or a redirect, never waits on its own slot.
 * A request aborted while it waits for a slot is dispatched at once (undici then fails it at once).
 * Innermost in the chain but for the debug log: every retry and redirect hop takes a slot.
 */
import { Relay, type Controller, type Handler, type Interceptor, type SkiffDispatchOptions } from './types.js'

export const INITIAL_IN_FLIGHT = 6
export const MAX_IN_FLIGHT = 32
/** A second 429/503 within this many ms of a decrease does not decrease again. */
const DECREASE_EVERY_MS = 1000

export interface ConcurrencyOptions {
  initial?: number
  max?: number
  /** Told of every change of an origin's limit (the --debug log). */
  onChange?: (origin: string, limit: number, why: string) => void
}

/** One origin's window. Exposed for the debug log and tests. */
export class Window {
  limit: number
  inFlight = 0
  private readonly queue: Array<() => void> = []
  private lastDecrease = 0

  constructor(
    initial: number,
    readonly max: number,
  ) {
    this.limit = Math.min(Math.max(1, initial), max)
  }

  /** Runs `start` now if a slot is free, else when one is; returns whether it had to wait. */
  acquire(start: (waited: boolean) => void, signal?: AbortSignal): void {
    if (this.inFlight < Math.floor(this.limit) && !this.queue.length) {
      this.inFlight++
      start(false)
      return
    }
    let done = false
    const go = (): void => {
      if (done) return
      done = true
      signal?.removeEventListener('abort', onAbort)
      this.inFlight++
      start(true)
    }
    const onAbort = (): void => {
      const i = this.queue.indexOf(go)
      if (i >= 0) this.queue.splice(i, 1)
      go()
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    this.queue.push(go)
  }

  release(): void {
    this.inFlight--
    this.pump()
  }

  private pump(): void {
    while (this.queue.length && this.inFlight < Math.floor(this.limit)) this.queue.shift()!()
  }

  /** An answer came; `waited`: its request had waited for a slot. Returns the change, if any. */
  answered(status: number, waited: boolean, now = Date.now()): string | undefined {
    if (status === 429 || status === 503) {
      if (now - this.lastDecrease < DECREASE_EVERY_MS || this.limit <= 1) return undefined
      this.lastDecrease = now
      this.limit = Math.max(1, this.limit / 2)
      return `HTTP ${status}`
    }
    if (!waited || this.limit >= this.max) return undefined
    const before = Math.floor(this.limit)
    this.limit = Math.min(this.max, this.limit + 1 / this.limit)
    this.pump()
    return Math.floor(this.limit) > before ? 'requests waiting' : undefined
  }
}

export function adaptiveConcurrency(opts: ConcurrencyOptions = {}): Interceptor & { windows: Map<string, Window> } {
  const windows = new Map<string, Window>()
  const max = opts.max ?? MAX_IN_FLIGHT
  const initial = opts.initial ?? INITIAL_IN_FLIGHT
  const interceptor: Interceptor = (dispatch) => (o, handler) => {
    const origin = String(o.origin)
    let w = windows.get(origin)
    if (!w) windows.set(origin, (w = new Window(initial, max)))
    const win = w
    let sync = true
    win.acquire(
      (waited) => {
        let held = true
        const free = (): void => {
          if (!held) return
          held = false
          win.release()
        }
        const wrapped: Handler = {
          onRequestStart: (c: Controller, ctx: unknown) => handler.onRequestStart?.(c, ctx),
          onRequestUpgrade: (c, status, headers, socket) => handler.onRequestUpgrade?.(c, status, headers, socket),
          onResponseStart: (c, status, headers, message) => {
            const before = Math.floor(win.limit)
            const why = win.answered(status, waited)
            if (why && Math.floor(win.limit) !== before) opts.onChange?.(origin, Math.floor(win.limit), why)
            if (status < 200 || status >= 300) free()
            handler.onResponseStart?.(c, status, headers, message)
          },
          onResponseData: (c, chunk) => handler.onResponseData?.(c, chunk),
          onResponseEnd: (c, trailers) => {
            free()
            handler.onResponseEnd?.(c, trailers)
          },
          onResponseError: (c, e) => {
            free()
            handler.onResponseError?.(c, e)
          },
        }
        try {
          dispatch(o, wrapped)
        } catch (e) {
          free()
          if (sync) throw e
          // dispatched later, from another request's release: fail this request, not that one
          handler.onResponseError?.(new Relay(), e as Error)
        }
      },
      (o as SkiffDispatchOptions).signal,
    )
    sync = false
    return true
  }
  return Object.assign(interceptor, { windows })
}
