import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { sizeLimits } from '../../../src/registry/http/size-limit.js'
import { composed, serve, text } from './servers.js'

const tooLarge = () => new Error('answer too large (test)')

describe('size-limit interceptor', () => {
  it('a declared Content-Length over the limit fails before the body; a longer chunked body fails while it arrives', async () => {
    let sent = 0
    const s = await serve((req, res) => {
      if (req.url === '/declared') {
        res.writeHead(200, { 'content-length': '100' })
        return res.end('x'.repeat(100))
      }
      if (req.url === '/error') {
        res.writeHead(404)
        return res.end('e'.repeat(100))
      }
      if (req.url === '/small') return res.end('tiny')
      res.writeHead(200) // chunked, no length
      const more = () => {
        while (sent < 10 * 1024 * 1024) {
          sent += 64 * 1024
          if (!res.write(Buffer.alloc(64 * 1024))) return res.once('drain', more)
        }
        res.end()
      }
      more()
    })
    const { d, close } = composed(sizeLimits())
    try {
      const limit = { maxBodySize: 10, tooLarge }
      await assert.rejects(
        d.request({ origin: s.url, path: '/declared', method: 'GET', ...limit } as never),
        /too large \(test\)/,
      )
      const r = await d.request({
        origin: s.url,
        path: '/stream',
        method: 'GET',
        maxBodySize: 100_000,
        tooLarge,
      } as never)
      await assert.rejects(text(r), /too large \(test\)/)
      assert.ok(sent < 4 * 1024 * 1024, `the server sent ${sent} bytes before the drop`)
      const err = await d.request({ origin: s.url, path: '/error', method: 'GET', ...limit } as never)
      assert.equal(err.statusCode, 404)
      assert.equal((await text(err)).length, 100, 'error answers are not limited here')
      assert.equal(
        await text(await d.request({ origin: s.url, path: '/small', method: 'GET', ...limit } as never)),
        'tiny',
      )
    } finally {
      await close()
      await s.close()
    }
  })
})
