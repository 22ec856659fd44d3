/** A small concurrency limiter: at most `n` tasks run at once, the rest wait in order. */
export type Limiter = <T>(task: () => Promise<T>) => Promise<T>

export function limiter(n: number): Limiter {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`concurrency must be a positive integer, got ${n}`)
  let active = 0
  const queue: Array<() => void> = []
  const next = (): void => {
    active--
    queue.shift()?.()
  }
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((resolve) => queue.push(resolve))
    active++
    try {
      return await task()
    } finally {
      next()
    }
  }
}

/**
 * Runs `fn` over `items` with at most `n` at once; after all settle, rejects with the error that
 * happened first in time (not the first by index: a later item's failure aborts its siblings, and
 * their AbortErrors must not hide the real cause).
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  n: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const limit = limiter(n)
  let first: { error: unknown } | undefined
  const results = await Promise.allSettled(
    items.map((item, i) =>
      limit(() => fn(item, i)).catch((e: unknown) => {
        first ??= { error: e }
        throw e
      }),
    ),
  )
  if (first) throw first.error
  return results.map((r) => (r as PromiseFulfilledResult<R>).value)
}
