/**
 * --retry-times / --retry-delay, parsed into the one retry policy of src/util/retry.ts (which also
 * holds the classifier, the backoff and the budget every level of an operation draws from).
 */
import { RetryBudget, DEFAULT_RETRY_POLICY, withRetry, type RetryPolicy } from '../../util/retry.js'
import type { TransportOptions } from '../../transports/types.js'
import { formatGoDuration } from '../duration.js'
import type { FlagSpec, FlagValues } from '../flags.js'
import { UsageError } from '../usage-error.js'

export const retryFlags: readonly FlagSpec[] = [
  { name: 'retry-times', kind: 'int', help: 'the number of times to possibly retry' },
  {
    name: 'retry-delay',
    kind: 'duration',
    help: 'Fixed delay between retries. If not set, retry uses an exponential backoff delay.',
  },
]

export type RetryOptions = RetryPolicy

/**
 * --retry-times N: N retries per operation in all (requests, resumed downloads without progress,
 * and the whole operation); without it, the default of 3 request retries and no whole-operation
 * retry (skopeo's default is 0 retries).
 */
export function retryOptionsFrom(v: FlagValues): RetryOptions {
  const times = v.int('retry-times')
  if (times !== undefined && times < 0) throw new UsageError(`--retry-times must not be negative, got ${times}`)
  const o: RetryOptions =
    times !== undefined
      ? { maxRetries: times, wholeOperation: true, retryUnreachable: true }
      : { ...DEFAULT_RETRY_POLICY }
  const delay = v.duration('retry-delay')
  if (delay !== undefined) {
    if (delay < 0) throw new UsageError('--retry-delay must not be negative')
    o.delayMs = delay
  }
  return o
}

/** The budget of one operation; with --retry-times, every retry it spends is reported by `warn`. */
export function retryBudget(policy: RetryOptions, warn?: (message: string) => void): RetryBudget {
  return new RetryBudget(
    policy,
    policy.wholeOperation && warn
      ? (n) =>
          warn(
            `attempt ${n.attempt}/${n.max} failed (${(n.error as Error)?.message ?? String(n.error)}); retrying in ${formatGoDuration(n.delayMs)}`,
          )
      : undefined,
  )
}

/** Runs one operation with a fresh budget from `policy` (see retryBudget). */
export function runWithRetry<T>(
  policy: RetryOptions,
  fn: (budget: RetryBudget) => Promise<T>,
  hooks: { signal?: AbortSignal; warn?: (message: string) => void } = {},
): Promise<T> {
  return withRetry(retryBudget(policy, hooks.warn), fn, hooks.signal)
}

/** `o` with the operation's budget, so the registry requests it makes spend from it. */
export function withBudget(o: TransportOptions, budget: RetryBudget): TransportOptions
export function withBudget(o: TransportOptions | undefined, budget: RetryBudget): TransportOptions
export function withBudget(o: TransportOptions | undefined, budget: RetryBudget): TransportOptions {
  return { ...(o ?? {}), retry: budget }
}
