/** Small node:http servers on 127.0.0.1 for the interceptor tests, and an Agent composed with one interceptor. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { Agent, type Dispatcher } from 'undici'
import type { Interceptor } from '../../../src/registry/http/types.js'

export interface Seen {
  method: string
  url: string
  headers: IncomingMessage['headers']
}

export interface TestServer {
  url: string
  port: number
  seen: Seen[]
  close(): Promise<void>
}

/** `handle` gets the request number (0-based) too. */
export async function serve(
  handle: (req: IncomingMessage, res: ServerResponse, n: number) => void,
): Promise<TestServer> {
  const seen: Seen[] = []
  const sockets = new Set<Socket>()
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers })
    handle(req, res, seen.length - 1)
  })
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as { port: number }).port
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r())
        for (const s of sockets) s.destroy()
      }),
  }
}

/** A dispatcher: an Agent under `interceptors` (innermost first, as Dispatcher.compose). */
export function composed(...interceptors: Interceptor[]): { d: Dispatcher; close(): Promise<void> } {
  const agent = new Agent()
  return { d: agent.compose(...interceptors), close: () => agent.close() }
}

export async function text(r: Dispatcher.ResponseData): Promise<string> {
  const chunks: Buffer[] = []
  for await (const c of r.body as AsyncIterable<Buffer>) chunks.push(c)
  return Buffer.concat(chunks).toString('utf8')
}
