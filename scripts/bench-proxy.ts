/**
 * A delaying TCP proxy for `npm run bench --latency-ms N`: listens on 127.0.0.1 (a free port) and
 * forwards every connection to 127.0.0.1:upstreamPort, holding each chunk for N/2 ms in each
 * direction, so every round trip through it takes N ms longer (a registry "far away"). Loopback
 * only: it never connects anywhere else. Order is kept (one FIFO per direction); half-closes and
 * resets are passed on after the same delay.
 *
 * It runs in a child process of its own (`startDelayProxy`): the bench times commands with
 * spawnSync, which blocks the bench's own event loop — a proxy there would forward nothing.
 *   node --import tsx scripts/bench-proxy.ts UPSTREAM_PORT LATENCY_MS   (prints "listening HOST")
 */
import { spawn } from 'node:child_process'
import { createServer, connect, type Server, type Socket } from 'node:net'
import { fileURLToPath } from 'node:url'

export interface DelayProxy {
  /** 127.0.0.1:PORT, to use instead of the upstream's host */
  host: string
  close(): Promise<void>
}

/** Forwards `from` → `to`, each chunk (and the end) `delayMs` later than it arrived. */
function pipeDelayed(from: Socket, to: Socket, delayMs: number): void {
  const queue: Array<{ at: number; chunk: Buffer | null }> = []
  let timer: NodeJS.Timeout | undefined
  const drain = (): void => {
    timer = undefined
    const now = Date.now()
    while (queue.length && queue[0]!.at <= now) {
      const { chunk } = queue.shift()!
      if (to.destroyed) return
      if (chunk === null) to.end()
      else if (!to.write(chunk)) {
        from.pause()
        to.once('drain', () => from.resume())
      }
    }
    if (queue.length) timer = setTimeout(drain, queue[0]!.at - now)
  }
  const push = (chunk: Buffer | null): void => {
    queue.push({ at: Date.now() + delayMs, chunk })
    timer ??= setTimeout(drain, delayMs)
  }
  from.on('data', (c: Buffer) => push(c))
  from.on('end', () => push(null))
  from.on('close', () => {
    // a reset (not a clean end) reaches the other side after the delay too
    if (!from.readableEnded) setTimeout(() => to.destroy(), delayMs)
  })
}

async function serveDelayProxy(upstreamPort: number, latencyMs: number): Promise<string> {
  const oneWay = latencyMs / 2
  const sockets = new Set<Socket>()
  const server: Server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (client) => {
    sockets.add(client)
    client.on('close', () => sockets.delete(client))
    client.on('error', () => client.destroy())
    // the connection itself costs a round trip (SYN, SYN-ACK): nothing passes before it
    setTimeout(() => {
      if (client.destroyed) return
      const upstream = connect({ host: '127.0.0.1', port: upstreamPort, allowHalfOpen: true })
      sockets.add(upstream)
      upstream.on('close', () => sockets.delete(upstream))
      for (const s of [client, upstream]) {
        s.setNoDelay(true)
        s.on('error', () => {
          client.destroy()
          upstream.destroy()
        })
      }
      pipeDelayed(client, upstream, oneWay)
      pipeDelayed(upstream, client, oneWay)
      client.resume()
    }, latencyMs)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  return `127.0.0.1:${(server.address() as { port: number }).port}`
}

/** Starts the proxy in a child process; `close()` ends it. */
export async function startDelayProxy(upstreamPort: number, latencyMs: number): Promise<DelayProxy> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), String(upstreamPort), String(latencyMs)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const host = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString()
      const m = /listening (\S+)\n/.exec(out)
      if (m) resolve(m[1]!)
    })
    child.once('exit', (code) => reject(new Error(`the delay proxy exited (${code}) before listening`)))
  })
  return {
    host,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill()
      }),
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [port, latency] = process.argv.slice(2).map(Number)
  if (!port || !(latency! >= 0)) throw new Error('usage: bench-proxy.ts UPSTREAM_PORT LATENCY_MS')
  const host = await serveDelayProxy(port, latency!)
  process.stdout.write(`listening ${host}\n`)
  process.on('SIGTERM', () => process.exit(0))
}
