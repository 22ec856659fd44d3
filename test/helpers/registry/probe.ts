/** Waits for a server to answer HTTP on loopback (any status counts as up). */
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { readFileSync } from 'node:fs'

export const PROBE_USER_AGENT = 'skiff-test-probe'

export interface ProbeTls {
  clientCertPath?: string
  clientKeyPath?: string
}

function probeOnce(url: string, tls: ProbeTls | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const u = new URL(url)
    const common = { method: 'GET', headers: { 'User-Agent': PROBE_USER_AGENT }, timeout: 1000, agent: false as const }
    const req =
      u.protocol === 'https:'
        ? httpsRequest(u, {
            ...common,
            rejectUnauthorized: false,
            ...(tls?.clientCertPath && tls.clientKeyPath
              ? { cert: readFileSync(tls.clientCertPath), key: readFileSync(tls.clientKeyPath) }
              : {}),
          })
        : httpRequest(u, common)
    req.on('response', (res) => {
      res.resume()
      res.on('end', () => resolve(true))
      res.on('error', () => resolve(true))
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', () => resolve(false))
    req.end()
  })
}

/** Polls `url` until it answers; fails when `stillRunning()` turns false or after `timeoutMs`. */
export async function waitForHttp(
  url: string,
  opts: { tls?: ProbeTls; timeoutMs?: number; stillRunning: () => boolean },
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 15000)
  for (;;) {
    if (!opts.stillRunning()) throw new Error(`server for ${url} exited before answering`)
    if (await probeOnce(url, opts.tls)) return
    if (Date.now() > deadline) throw new Error(`server for ${url} did not answer within ${opts.timeoutMs ?? 15000} ms`)
    await new Promise((r) => setTimeout(r, 50))
  }
}
