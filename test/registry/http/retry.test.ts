import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { retries } from '../../../src/registry/http/retry.js'
import { RetryBudget } from '../../../src/util/retry.js'
import { composed, serve, text } from './servers.js'

describe('retry interceptor', () => {
  it('a refused connection fails at once unless the budget retries unreachable hosts (--retry-times)', async () => {
    // a port nothing listens on: take one, then close it
    const gone = await serve((_req, res) => res.end())
    const origin = gone.url
    await gone.close()
    const { d, close } = composed(retries({ retryDelayMs: 1 }))
    try {
      const quiet = new RetryBudget({ maxRetries: 3, delayMs: 1 })
      await assert.rejects(d.request({ origin, path: '/v2/', method: 'GET', retry: quiet } as never), /ECONNREFUSED/)
      assert.equal(quiet.spent, 0, 'a wrong host or port is not retried by default')
      const persistent = new RetryBudget({ maxRetries: 2, delayMs: 1, retryUnreachable: true })
      await assert.rejects(
        d.request({ origin, path: '/v2/', method: 'GET', retry: persistent } as never),
        /ECONNREFUSED/,
      )
      assert.equal(persistent.spent, 2)
    } finally {
      await close()
    }
  })

  it('retries connection resets and 503 within the budget; the answer after them is passed on', async () => {
    const s = await serve((req, res, n) => {
      if (n === 0) return req.socket.resetAndDestroy()
      if (n === 1) {
        res.writeHead(503, { 'retry-after': '0' })
        return res.end('busy')
      }
      res.end('ok')
    })
    const { d, close } = composed(retries({ retryDelayMs: 1 }))
    try {
      const budget = new RetryBudget({ maxRetries: 2, delayMs: 1 })
      const r = await d.request({ origin: s.url, path: '/v2/', method: 'GET', retry: budget } as never)
      assert.equal(r.statusCode, 200)
      assert.equal(await text(r), 'ok')
      assert.equal(s.seen.length, 3)
      assert.equal(budget.spent, 2)
    } finally {
      await close()
      await s.close()
    }
  })

  it('an exhausted budget passes the failure on: the error, or the last retryable answer', async () => {
    const resets = await serve((req) => req.socket.resetAndDestroy())
    const busy = await serve((_req, res) => {
      res.writeHead(503)
      res.end('busy')
    })
    const { d, close } = composed(retries({ retryDelayMs: 1 }))
    try {
      const budget = new RetryBudget({ maxRetries: 1, delayMs: 1 })
      await assert.rejects(
        d.request({ origin: resets.url, path: '/', method: 'GET', retry: budget } as never),
        /ECONNRESET|other side closed|socket/i,
      )
      assert.equal(resets.seen.length, 2)
      // the same budget: nothing left for the next request of the operation
      const r = await d.request({ origin: busy.url, path: '/', method: 'GET', retry: budget } as never)
      assert.equal(r.statusCode, 503)
      assert.equal(await text(r), 'busy')
      assert.equal(busy.seen.length, 1)
      // without a budget: one of its own with retryTimes (default 3)
      const own = await d.request({ origin: busy.url, path: '/', method: 'GET' })
      assert.equal(own.statusCode, 503)
      await text(own)
      assert.equal(busy.seen.length, 1 + 4)
    } finally {
      await close()
      await Promise.all([resets.close(), busy.close()])
    }
  })

  it('never sends a streamed body twice, and stops at an abort while waiting', async () => {
    const s = await serve((req, res) => {
      req.resume()
      req.on('end', () => {
        res.writeHead(503)
        res.end()
      })
    })
    const { d, close } = composed(retries({ retryDelayMs: 1 }))
    try {
      const r = await d.request({
        origin: s.url,
        path: '/up',
        method: 'PUT',
        body: Readable.from([Buffer.from('data')]),
      })
      assert.equal(r.statusCode, 503)
      await text(r)
      assert.equal(s.seen.length, 1)
      const ac = new AbortController()
      const p = d.request({
        origin: s.url,
        path: '/',
        method: 'GET',
        signal: ac.signal,
        retry: new RetryBudget({ maxRetries: 5, delayMs: 60_000 }),
      } as never)
      setTimeout(() => ac.abort(new Error('stop now')), 200)
      const t0 = Date.now()
      await assert.rejects(p, /stop now/)
      assert.ok(Date.now() - t0 < 5000, 'the wait ended at the abort')
    } finally {
      await close()
      await s.close()
    }
  })
})
