import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { retryAfterMs, tlsConnectOptions } from '../../src/registry/http.js'

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

describe('tlsConnectOptions', () => {
  it('an unverified connection gets an explicit CA list, so Node loads no root store', () => {
    assert.deepEqual(tlsConnectOptions(undefined, true), { ca: [], rejectUnauthorized: false })
    const own = [Buffer.from('pem')]
    assert.deepEqual(tlsConnectOptions({ ca: own }, true), { ca: own, rejectUnauthorized: false })
  })
  it('a verified connection uses the system roots, plus the extra CAs', () => {
    assert.deepEqual(tlsConnectOptions(undefined, false), {})
    const extra = Buffer.from('pem')
    const { ca } = tlsConnectOptions({ ca: [extra] }, false) as { ca: unknown[] }
    assert.ok(ca.length > 1 && ca.at(-1) === extra, 'system roots first, then the extra CA')
  })
})
