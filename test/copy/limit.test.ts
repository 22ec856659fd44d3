import { test } from 'node:test'
import assert from 'node:assert/strict'
import { limiter, mapLimit } from '../../src/copy/limit.js'

test('limiter never runs more than n tasks at once', async () => {
  const limit = limiter(2)
  let active = 0
  let peak = 0
  await Promise.all(
    Array.from({ length: 8 }, () =>
      limit(async () => {
        active++
        peak = Math.max(peak, active)
        await new Promise((r) => setImmediate(r))
        active--
      }),
    ),
  )
  assert.equal(peak, 2)
})

test('mapLimit keeps order and rejects with the first error after all settle', async () => {
  assert.deepEqual(await mapLimit([1, 2, 3], 2, async (x) => x * 2), [2, 4, 6])
  let finished = 0
  await assert.rejects(
    mapLimit([1, 2, 3], 3, async (x) => {
      if (x === 2) throw new Error('boom')
      await new Promise((r) => setImmediate(r))
      finished++
      return x
    }),
    /boom/,
  )
  assert.equal(finished, 2)
  assert.throws(() => limiter(0), RangeError)
})

test('mapLimit rejects with the error that happened first in time, not the first by index', async () => {
  const ac = new AbortController()
  await assert.rejects(
    mapLimit([0, 1, 2], 3, async (x) => {
      if (x === 2) {
        const e = new Error('the real cause')
        ac.abort(e)
        throw e
      }
      // the siblings fail only because of the abort
      await new Promise((_r, reject) =>
        ac.signal.addEventListener('abort', () => reject(new DOMException('The operation was aborted', 'AbortError'))),
      )
    }),
    /the real cause/,
  )
})
