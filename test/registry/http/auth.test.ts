import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { authentication, type AuthProvider } from '../../../src/registry/http/auth.js'
import { composed, serve, text } from './servers.js'

describe('auth interceptor', () => {
  it("sends the provider's header; on 401 asks it and sends once more with the new header", async () => {
    const s = await serve((req, res) => {
      if (req.headers.authorization === 'Bearer fresh') return res.end('ok')
      res.writeHead(401, { 'www-authenticate': 'Bearer realm="http://t/token",scope="repository:a:pull"' })
      res.end('{"errors":[{"code":"UNAUTHORIZED"}]}')
    })
    const { d, close } = composed(authentication())
    let token = 'stale'
    const asked: unknown[] = []
    const auth: AuthProvider = {
      header: async () => `Bearer ${token}`,
      retryAfter401: async (h) => {
        asked.push(h['www-authenticate'])
        token = 'fresh'
        return true
      },
    }
    try {
      const r = await d.request({ origin: s.url, path: '/v2/a/manifests/1', method: 'GET', auth } as never)
      assert.equal(r.statusCode, 200)
      assert.equal(await text(r), 'ok')
      assert.deepEqual(
        s.seen.map((e) => e.headers.authorization),
        ['Bearer stale', 'Bearer fresh'],
      )
      assert.deepEqual(asked, ['Bearer realm="http://t/token",scope="repository:a:pull"'])
    } finally {
      await close()
      await s.close()
    }
  })

  it('a 401 the provider gives up on (or a second 401) is passed on whole, with its headers and body', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' })
      res.end('denied body')
    })
    const { d, close } = composed(authentication())
    let asked = 0
    try {
      const no: AuthProvider = { header: async () => undefined, retryAfter401: async () => (asked++, false) }
      const r = await d.request({ origin: s.url, path: '/', method: 'GET', auth: no } as never)
      assert.equal(r.statusCode, 401)
      assert.equal(r.headers['www-authenticate'], 'Basic realm="r"')
      assert.equal(await text(r), 'denied body')
      assert.equal(s.seen.length, 1)
      assert.equal(s.seen[0]!.headers.authorization, undefined)
      const yes: AuthProvider = { header: async () => 'Basic eA==', retryAfter401: async () => (asked++, true) }
      const r2 = await d.request({ origin: s.url, path: '/', method: 'GET', auth: yes } as never)
      assert.equal(r2.statusCode, 401, 'only one more attempt')
      assert.equal(await text(r2), 'denied body')
      assert.equal(s.seen.length, 3)
      assert.equal(asked, 2)
      const failing: AuthProvider = {
        header: async () => Promise.reject(new Error('token server down')),
        retryAfter401: async () => false,
      }
      await assert.rejects(
        d.request({ origin: s.url, path: '/', method: 'GET', auth: failing } as never),
        /token server down/,
      )
    } finally {
      await close()
      await s.close()
    }
  })
})
