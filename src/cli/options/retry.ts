/**
 * --retry-times / --retry-delay, and the retry loop skopeo wraps around a whole operation
 * (containers/common's retry.IfNecessary): only errors that are worth retrying (network resets,
 * timeouts, 429/5xx) are retried; exponential backoff from 1 s unless --retry-delay is given.
 */
import { causeChain } from '../../errors.js'
import type { FlagSpec, FlagValues } from '../flags.js'
import { UsageError } from '../usage-error.js'

export const retryFlags: readonly FlagSpec[] = [
  { name: 'retry-times', kind: 'int', help: 'the number of times to possibly retry' },
  { name: 'retry-delay', kind: 'duration', help: 'Fixed delay between retries. If not set, retry uses an exponential backoff delay.' },
]

export interface RetryOptions {
  maxRetry: number
  /** Fixed delay in ms; undefined = exponential backoff (1 s, 2 s, 4 s, …). */
  delayMs?: number
}

export function retryOptionsFrom(v: FlagValues): RetryOptions {
  const maxRetry = v.int('retry-times') ?? 0
  if (maxRetry < 0) throw new UsageError(`--retry-times must not be negative, got ${maxRetry}`)
  const o: RetryOptions = { maxRetry }
  const delay = v.duration('retry-delay')
  if (delay !== undefined) {
    if (delay < 0) throw new UsageError('--retry-delay must not be negative')
    o.delayMs = delay
  }
  return o
}

const RETRYABLE_CODES = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENETUNREACH', 'ENETDOWN', 'EHOSTUNREACH',
  'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CLOSED',
  'ERR_TOO_MANY_REQUESTS',
])

/** Whether an error (or one of its causes) is a transient network/server failure. */
export function isRetryable(e: unknown): boolean {
  for (const x of causeChain(e)) {
    const o = x as { code?: unknown; retryable?: unknown; status?: unknown; statusCode?: unknown }
    if (o.retryable === true) return true
    if (o.retryable === false) return false
    if (typeof o.code === 'string' && RETRYABLE_CODES.has(o.code)) return true
    const status = typeof o.status === 'number' ? o.status : typeof o.statusCode === 'number' ? o.statusCode : undefined
    if (status !== undefined && (status === 429 || status >= 500)) return true
  }
  return false
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = (): void => {
      clearTimeout(t)
      reject(signal!.reason)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** Runs `fn`, retrying retryable failures up to maxRetry times. */
export async function withRetry<T>(
  opts: RetryOptions,
  fn: () => Promise<T>,
  hooks: { signal?: AbortSignal; onRetry?: (attempt: number, max: number, delayMs: number, e: unknown) => void } = {},
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn()
    } catch (e) {
      if (attempt >= opts.maxRetry || !isRetryable(e) || hooks.signal?.aborted) throw e
      const delay = opts.delayMs ?? 1000 * 2 ** attempt
      hooks.onRetry?.(attempt + 1, opts.maxRetry, delay, e)
      await sleep(delay, hooks.signal)
    }
  }
}
