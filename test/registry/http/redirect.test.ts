import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { redirects } from '../../../src/registry/http/redirect.js'
import type { AnswerContext } from '../../../src/registry/http/types.js'
import { composed, serve, text } from './servers.js'

describe('redirect interceptor', () => {
  it('follows a redirect to another host without the Authorization header; the registry itself got it', async () => {
    const target = await serve((_req, res) => res.end('blob bytes'))
    // "localhost" and 127.0.0.1: another host by name (and another port)
    const registry = await serve((_req, res) => {
      res.writeHead(307, { location: `http://localhost:${target.port}/signed?sig=1` })
      res.end()
    })
    const { d, close } = composed(redirects())
    try {
      const r = await d.request({
        origin: registry.url,
        path: '/v2/a/blobs/x',
        method: 'GET',
        headers: { authorization: 'Bearer secret' },
        followRedirects: true,
      } as never)
      assert.equal(r.statusCode, 200)
      assert.equal(await text(r), 'blob bytes')
      assert.equal(registry.seen[0]!.headers.authorization, 'Bearer secret')
      assert.equal(target.seen.length, 1)
      assert.equal(target.seen[0]!.headers.authorization, undefined, 'Authorization must not reach another host')
      assert.equal(target.seen[0]!.url, '/signed?sig=1')
      const ctx = r.context as AnswerContext
      assert.equal(
        ctx.url?.href,
        `http://localhost:${target.port}/signed?sig=1`,
        'the context names the URL that answered',
      )
    } finally {
      await close()
      await Promise.all([registry.close(), target.close()])
    }
  })

  it('keeps Authorization on the same origin; 303 becomes GET; at most 10 hops; off unless asked', async () => {
    const s = await serve((req, res) => {
      const n = Number(/\/hop\/(\d+)/.exec(req.url ?? '')?.[1] ?? -1)
      if (req.url === '/see-other') {
        res.writeHead(303, { location: '/final' })
        return res.end()
      }
      if (n >= 0) {
        res.writeHead(302, { location: `/hop/${n + 1}` })
        return res.end()
      }
      res.end(`${req.method} ${req.url}`)
    })
    const { d, close } = composed(redirects())
    try {
      const same = await d.request({
        origin: s.url,
        path: '/see-other',
        method: 'GET',
        headers: { authorization: 'Basic x' },
        followRedirects: true,
      } as never)
      assert.equal(await text(same), 'GET /final')
      assert.equal(s.seen.at(-1)!.headers.authorization, 'Basic x')
      const loop = await d.request({ origin: s.url, path: '/hop/0', method: 'GET', followRedirects: true } as never)
      assert.equal(loop.statusCode, 302, 'the 11th redirect is handed back')
      await text(loop)
      assert.equal(s.seen.filter((e) => e.url.startsWith('/hop/')).length, 11)
      const off = await d.request({ origin: s.url, path: '/see-other', method: 'GET' })
      assert.equal(off.statusCode, 303)
      await text(off)
    } finally {
      await close()
      await s.close()
    }
  })
})
