import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { SkiffError } from '../../src/errors.js'
import {
  abortable,
  backoffMs,
  isRetryable,
  isRetryableStatus,
  RetryBudget,
  retryAfterMs,
  sleep,
  withRetry,
  type RetryNotice,
} from '../../src/util/retry.js'

const reset = () => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })

describe('the retry classifier', () => {
  it('network codes anywhere in the cause chain; aborts and refusals by the error itself never', () => {
    assert.equal(isRetryable(reset()), true)
    assert.equal(isRetryable(new SkiffError('ERR_IO', 'wrapped', { cause: reset() })), true)
    assert.equal(isRetryable(Object.assign(new Error('x'), { code: 'UND_ERR_HEADERS_TIMEOUT' })), true)
    assert.equal(isRetryable(Object.assign(new Error('x'), { code: 'ENOTFOUND' })), false)
    assert.equal(isRetryable(Object.assign(new Error('aborted'), { name: 'AbortError', cause: reset() })), false)
    assert.equal(isRetryable(Object.assign(new Error('closed'), { retryable: false, cause: reset() })), false)
    assert.equal(isRetryable(Object.assign(new Error('503'), { status: 503 })), true)
    assert.equal(isRetryable(Object.assign(new Error('404'), { status: 404 })), false)
  })
  it('statuses: 429 and 5xx except 501', () => {
    assert.deepEqual([429, 500, 502, 503, 504, 501, 404, 401, 200].map(isRetryableStatus), [
      true,
      true,
      true,
      true,
      true,
      false,
      false,
      false,
      false,
    ])
  })
})

describe('RetryBudget', () => {
  it('N retries in all, whoever spends them; Retry-After wins over the backoff', () => {
    const seen: RetryNotice[] = []
    const b = new RetryBudget({ maxRetries: 2 }, (n) => seen.push(n))
    assert.equal(b.take(reset(), 'request'), 500)
    assert.equal(b.take(reset(), 'operation', 1234), 1234)
    assert.equal(b.take(reset(), 'request'), undefined)
    assert.equal(b.left, 0)
    assert.deepEqual(
      seen.map((n) => [n.attempt, n.max, n.level]),
      [
        [1, 2, 'request'],
        [2, 2, 'operation'],
      ],
    )
  })
  it('backoff: fixed delay, else 0.5 s doubling up to 10 s', () => {
    assert.deepEqual(
      [1, 2, 3, 6, 9].map((n) => backoffMs(n)),
      [500, 1000, 2000, 10_000, 10_000],
    )
    assert.equal(backoffMs(4, { delayMs: 7 }), 7)
  })
})

describe('withRetry', () => {
  it('whole-operation retries draw from the budget the requests already spent: N+1 attempts in all', async () => {
    const b = new RetryBudget({ maxRetries: 2, delayMs: 1, wholeOperation: true })
    let runs = 0
    await assert.rejects(
      withRetry(b, async (budget) => {
        runs++
        budget.take(reset(), 'request') // a request inside the operation retried once
        throw reset()
      }),
      /ECONNRESET/,
    )
    assert.equal(runs, 2) // run 1 spends 1 in a request + 1 for the operation; run 2 spends nothing more
    assert.equal(b.spent, 2)
  })
  it('no whole-operation retry unless the policy allows it; never for errors that are not retryable', async () => {
    let runs = 0
    const fail = async () => {
      runs++
      throw reset()
    }
    await assert.rejects(withRetry(new RetryBudget({ maxRetries: 3, delayMs: 1 }), fail))
    assert.equal(runs, 1)
    runs = 0
    await assert.rejects(
      withRetry(new RetryBudget({ maxRetries: 3, delayMs: 1, wholeOperation: true }), async () => {
        runs++
        throw new Error('bad manifest')
      }),
    )
    assert.equal(runs, 1)
  })
})

describe('sleep, abortable, retryAfterMs', () => {
  it('sleep and abortable reject with the abort reason', async () => {
    const ac = new AbortController()
    const s = sleep(10_000, ac.signal)
    const a = abortable(new Promise(() => {}), ac.signal)
    ac.abort(new Error('stop'))
    await assert.rejects(s, /stop/)
    await assert.rejects(a, /stop/)
    assert.equal(await abortable(Promise.resolve(5), new AbortController().signal), 5)
  })
  it('retryAfterMs reads seconds or an HTTP date, capped', () => {
    assert.equal(retryAfterMs('2'), 2000)
    assert.equal(retryAfterMs('9999'), 60_000)
    assert.equal(retryAfterMs('soon'), undefined)
  })
})
