/**
 * The adaptive requests-in-flight limit (src/registry/http/concurrency.ts) against a real
 * docker-registry behind a small in-test proxy that counts the requests it holds at once and,
 * while told to, answers 429 instead of forwarding: the limit grows while requests wait, halves on
 * the 429s (every request still succeeds, through the retry interceptor), and never exceeds its bound.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, request as httpRequest, type Server } from 'node:http'
import type { Socket } from 'node:net'
import { startRegistry, type Registry } from '../../helpers/registry/index.js'
import { HttpClient, discard } from '../../../src/registry/http.js'
import { INITIAL_IN_FLIGHT } from '../../../src/registry/http/concurrency.js'

let reg: Registry
let proxy: Server
let port = 0
const sockets = new Set<Socket>()
let inFlight = 0
let maxInFlight = 0
let refuse = 0 // answer this many requests with 429
let refused = 0

before(async () => {
  reg = await startRegistry()
  proxy = createServer((req, res) => {
    if (refuse > 0) {
      refuse--
      refused++
      res.writeHead(429, { 'retry-after': '0', 'content-type': 'application/json' })
      res.end('{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}')
      return
    }
    inFlight++
    maxInFlight = Math.max(maxInFlight, inFlight)
    // hold each request a little, as a far registry would, so that requests pile up
    setTimeout(() => {
      const up = httpRequest(
        { host: '127.0.0.1', port: reg.port, method: req.method, path: req.url, headers: req.headers },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers)
          r.pipe(res)
          r.on('end', () => inFlight--)
        },
      )
      up.on('error', () => {
        inFlight--
        res.destroy()
      })
      req.pipe(up)
    }, 20)
  })
  proxy.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  port = (proxy.address() as { port: number }).port
})

after(async () => {
  for (const s of sockets) s.destroy()
  await new Promise<void>((resolve) => proxy?.close(() => resolve()))
  await reg?.close()
})

async function burst(http: HttpClient, n: number): Promise<number[]> {
  return Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const res = await http.send({ method: 'GET', url: new URL(`http://127.0.0.1:${port}/v2/r${i}/tags/list`) })
      await discard(res)
      return res.status
    }),
  )
}

test('requests in flight per host: grow while requests wait, halve on 429, stay within the bound', async () => {
  const lines: string[] = []
  const http = new HttpClient({ connectionsPerHost: 16, retryDelayMs: 1, log: (f) => lines.push(f()) })
  try {
    // a burst larger than the start value: the first answers come with requests waiting, so it grows
    maxInFlight = 0
    for (let i = 0; i < 4; i++) assert.ok((await burst(http, 40)).every((s) => s === 404 || s === 200))
    assert.ok(maxInFlight > INITIAL_IN_FLIGHT, `grew: at most ${maxInFlight} in flight`)
    assert.ok(maxInFlight <= 16, `bounded: ${maxInFlight} in flight`)
    const grown = lines.filter((l) => l.includes('requests waiting')).length
    assert.ok(grown > 0, lines.join('\n'))

    // the registry refuses a while: the limit halves (once per second at most), and every request
    // is answered in the end (Retry-After: 0, the retry interceptor sends it again)
    refuse = 10
    maxInFlight = 0
    const statuses = await burst(http, 40)
    assert.ok(refused >= 10)
    assert.ok(
      statuses.every((s) => s === 404 || s === 200),
      String(statuses),
    )
    const cut = lines.filter((l) => l.includes('(HTTP 429)'))
    assert.equal(cut.length, 1, lines.join('\n'))
    // the limit just before the cut: the last growth logged before it
    const at = lines.indexOf(cut[0]!)
    const [, before] = /(\d+) requests in flight at most \(requests waiting\)/.exec(
      lines
        .slice(0, at)
        .filter((l) => l.includes('requests waiting'))
        .pop()!,
    )!
    const [, after] = /(\d+) requests in flight at most \(HTTP 429\)/.exec(cut[0]!)!
    assert.equal(Number(after), Math.max(1, Math.floor(Number(before) / 2)), cut[0])
  } finally {
    await http.close()
  }
})
