/**
 * Retries, in one place: which failures are worth another attempt (`isRetryable`,
 * `isRetryableStatus`), how long to wait (`backoffMs`, `retryAfterMs`, `sleep`), and one budget per
 * operation (`RetryBudget`) that every level draws from — a retried registry request (429, 5xx,
 * reset, stall, refused), a resumed blob download that made no progress, and a retry of the whole
 * operation (skopeo's --retry-times, which containers/common's retry.IfNecessary wraps around a
 * whole copy). So an operation against a registry that keeps failing makes at most N+1 attempts in
 * all, not (N+1) per request times (N+1) per operation.
 *
 * What does not spend: a blob download that broke *after* delivering bytes is resumed with Range
 * (at most 5 times per blob; it made progress, as containers/image's bodyReader resumes).
 */
import { causeChain } from '../errors.js'

export interface RetryPolicy {
  /** Retries in all for one operation (attempts are at most maxRetries + 1). */
  maxRetries: number
  /** Fixed delay between retries in ms; undefined = exponential backoff (0.5 s, 1 s, 2 s, … 10 s). */
  delayMs?: number
  /**
   * Whether a failed operation may also be retried as a whole (the CLI: only when --retry-times is
   * given, as skopeo's default is 0), not only its requests.
   */
  wholeOperation?: boolean
  /**
   * Whether a request that could not reach the host at all (refused, no route: `isUnreachable`) is
   * retried. Off by default, so a wrong host or port fails at once as in skopeo; the CLI turns it on
   * with --retry-times (containers/common's retry treats these as retryable too).
   */
  retryUnreachable?: boolean
}

/** Without --retry-times: up to 3 request retries per operation, never the whole operation again. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 3 }

/** What a spent retry reports (the CLI prints it as a warning when --retry-times was given). */
export interface RetryNotice {
  /** 1-based: the how-many-th retry of this budget. */
  attempt: number
  max: number
  delayMs: number
  error: unknown
  /** 'request': one registry request (or a resumed download) again; 'operation': the whole operation. */
  level: 'request' | 'operation'
}

/** One operation's retries: every retry at every level spends one; none left → the failure is final. */
export class RetryBudget {
  private used = 0

  constructor(
    readonly policy: RetryPolicy = DEFAULT_RETRY_POLICY,
    private readonly onRetry?: (n: RetryNotice) => void,
  ) {}

  get spent(): number {
    return this.used
  }

  get left(): number {
    return Math.max(0, this.policy.maxRetries - this.used)
  }

  /**
   * Spends one retry for `error`, when one is left: returns the delay to wait before the next
   * attempt (`suggestedMs`, e.g. a Retry-After, wins over the backoff), or undefined when the
   * budget is exhausted.
   */
  take(error: unknown, level: RetryNotice['level'], suggestedMs?: number): number | undefined {
    if (this.used >= this.policy.maxRetries) return undefined
    this.used++
    const delayMs = suggestedMs ?? backoffMs(this.used, this.policy)
    this.onRetry?.({ attempt: this.used, max: this.policy.maxRetries, delayMs, error, level })
    return delayMs
  }
}

/** The delay before retry number `n` (1-based): the fixed delay, else 0.5 s · 2^(n-1), at most 10 s. */
export function backoffMs(n: number, policy: Pick<RetryPolicy, 'delayMs'> = {}): number {
  return policy.delayMs ?? Math.min(500 * 2 ** (n - 1), 10_000)
}

/** Error codes of transient failures: the connection broke, stalled, was refused, or the name lookup failed for now. */
const RETRYABLE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETRESET',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
  'ERR_TOO_MANY_REQUESTS',
])

/** The codes of a host that cannot be reached at all (nothing listens, no route). */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENETUNREACH', 'EHOSTUNREACH', 'ENETDOWN', 'EHOSTDOWN'])

/** Whether the error (or one of its causes) says the host could not be reached at all. */
export function isUnreachable(e: unknown): boolean {
  return causeChain(e).some((x) => UNREACHABLE_CODES.has(String((x as { code?: unknown }).code)))
}

/** Whether an HTTP status is worth another attempt: 429 and 5xx, except 501 Not Implemented. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599 && status !== 501)
}

/**
 * The one classifier: whether an error (or one of its causes) is a transient network or server
 * failure. An error may decide for itself with `retryable: true | false` (a RegistryError from a
 * 429/5xx answer says true; "our stdout was closed" says false); else its `code`, else its HTTP
 * `status`/`statusCode`. Aborts are never retryable.
 */
export function isRetryable(e: unknown): boolean {
  for (const x of causeChain(e)) {
    const o = x as { name?: unknown; code?: unknown; retryable?: unknown; status?: unknown; statusCode?: unknown }
    if (o.name === 'AbortError' || o.code === 'ABORT_ERR' || o.code === 'UND_ERR_ABORTED') return false
    if (o.retryable === true) return true
    if (o.retryable === false) return false
    if (typeof o.code === 'string' && RETRYABLE_CODES.has(o.code)) return true
    const status = typeof o.status === 'number' ? o.status : typeof o.statusCode === 'number' ? o.statusCode : undefined
    if (status !== undefined && isRetryableStatus(status)) return true
  }
  return false
}

/** Retry-After in ms (seconds or an HTTP date), capped. */
export function retryAfterMs(v: string | undefined, capMs = 60_000): number | undefined {
  if (!v) return undefined
  const s = Number(v)
  if (Number.isFinite(s) && s >= 0) return Math.min(s * 1000, capMs)
  const t = Date.parse(v)
  if (!Number.isNaN(t)) return Math.min(Math.max(0, t - Date.now()), capMs)
  return undefined
}

/** Waits `ms`; rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const onAbort = (): void => {
      clearTimeout(t)
      reject(signal!.reason)
    }
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** Settles with `p`, or rejects when `signal` aborts first. */
export function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort)
        resolve(v)
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(e)
      },
    )
  })
}

/**
 * Runs one operation with `budget`: `fn` gets the budget to hand to every request it makes. When
 * the policy allows whole-operation retries, a retryable failure runs `fn` again while the budget
 * lasts (what the requests already spent is gone).
 */
export async function withRetry<T>(
  budget: RetryBudget,
  fn: (budget: RetryBudget) => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  for (;;) {
    try {
      return await fn(budget)
    } catch (e) {
      if (!budget.policy.wholeOperation || signal?.aborted || !isRetryable(e)) throw e
      const delay = budget.take(e, 'operation')
      if (delay === undefined) throw e
      await sleep(delay, signal)
    }
  }
}
