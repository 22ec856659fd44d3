import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createServer as createHttpServer } from 'node:http'
import { createServer, type Socket } from 'node:net'
import { RegistryClient } from '../../src/registry/client.js'

/**
 * A plain-HTTP registry endpoint (GET /v2/ → 200) that answers TLS hellos as Go's http server does
 * (400, close); the first `resetFirst` TLS connections are reset instead, before any answer — what
 * a loaded machine sometimes shows when the server closes with the hello unread.
 */
async function plainRegistry(resetFirst: number): Promise<{ host: string; close(): Promise<void> }> {
  const http = createHttpServer((req, res) => {
    res.writeHead(req.url === '/v2/' ? 200 : 404, { 'docker-distribution-api-version': 'registry/2.0' })
    res.end('{}')
  })
  const sockets = new Set<Socket>()
  let tlsHellos = 0
  const server = createServer((s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
    s.on('error', () => {})
    s.once('data', (first: Buffer) => {
      if (first[0] === 0x16) {
        if (tlsHellos++ < resetFirst) s.resetAndDestroy()
        else s.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n')
        return
      }
      s.unshift(first)
      http.emit('connection', s)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as { port: number }).port
  return {
    host: `127.0.0.1:${port}`,
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy()
        server.close(() => r())
      }),
  }
}

describe('RegistryClient ping (--tls-verify=false)', () => {
  for (const resetFirst of [0, 1]) {
    it(`falls back to http when https ${resetFirst ? 'was reset, then answered plain HTTP' : 'answered plain HTTP'}`, async () => {
      const reg = await plainRegistry(resetFirst)
      const client = await RegistryClient.create(reg.host, { tlsVerify: false, tls: {}, retryTimes: 0 })
      try {
        assert.equal((await client.baseUrl()).origin, `http://${reg.host}`)
      } finally {
        await client.close()
        await reg.close()
      }
    })
  }
})
