import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { retryAfterMs } from '../../src/registry/http.js'

describe('retryAfterMs', () => {
  it('reads seconds or an HTTP date, capped', () => {
    assert.equal(retryAfterMs('2'), 2000)
    assert.equal(retryAfterMs('0'), 0)
    assert.equal(retryAfterMs('9999'), 60_000)
    assert.equal(retryAfterMs(undefined), undefined)
    assert.equal(retryAfterMs('soon'), undefined)
    const d = retryAfterMs(new Date(Date.now() + 5000).toUTCString())!
    assert.ok(d > 3000 && d <= 5000, String(d))
  })
})
