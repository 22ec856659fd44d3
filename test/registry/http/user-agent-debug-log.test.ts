import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { userAgent } from '../../../src/registry/http/user-agent.js'
import { debugLogging } from '../../../src/registry/http/debug-log.js'
import { debugLogTo, type DebugLog } from '../../../src/registry/log.js'
import { composed, serve, text } from './servers.js'

describe('user-agent and debug-log interceptors', () => {
  it('sends the User-Agent unless the request brings one', async () => {
    const s = await serve((_req, res) => res.end())
    const { d, close } = composed(userAgent('skiff/test'))
    try {
      await text(await d.request({ origin: s.url, path: '/', method: 'GET' }))
      await text(await d.request({ origin: s.url, path: '/', method: 'GET', headers: { 'User-Agent': 'mine' } }))
      assert.deepEqual(
        s.seen.map((e) => e.headers['user-agent']),
        ['skiff/test', 'mine'],
      )
    } finally {
      await close()
      await s.close()
    }
  })

  it('logs each request and its status, with credentials redacted; nothing when debug is off', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(201)
      res.end()
    })
    const lines: string[] = []
    // the context's log: off first (its lines are never built), then on (redacted lines to `lines`)
    let on = false
    const sink = debugLogTo((l) => lines.push(l))
    const log: DebugLog = (f) => {
      if (on) sink(f)
    }
    const { d, close } = composed(debugLogging(log))
    try {
      await text(await d.request({ origin: s.url, path: '/v2/', method: 'GET' }))
      assert.equal(lines.length, 0)
      on = true
      await text(
        await d.request({
          origin: s.url,
          path: '/v2/x?token=abc',
          method: 'PUT',
          headers: { authorization: 'Bearer s3cret' },
          body: 'b',
        }),
      )
      assert.equal(lines.length, 2, lines.join('\n'))
      assert.match(
        lines[0]!,
        new RegExp(`^registry: > PUT ${s.url}/v2/x\\?token=<redacted> .*"authorization":"Bearer <redacted>"`),
      )
      assert.equal(lines[1], `registry: < 201 PUT ${s.url}/v2/x?token=<redacted>`)
      assert.ok(!lines.join('').includes('s3cret') && !lines.join('').includes('abc'))
    } finally {
      await close()
      await s.close()
    }
  })
})
