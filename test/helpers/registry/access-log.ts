/**
 * distribution 2.8 writes an Apache "combined" access log line per request to stdout (gorilla
 * handlers), before the response is finished, so a test that got its response can read the line:
 *   127.0.0.1 - - [28/Nov/2026:04:22:22 +0000] "GET /v2/ HTTP/1.1" 200 2 "" "curl/7.88.1"
 * Only response sizes are logged; request body sizes need the counting proxy (proxy.ts).
 */
import { existsSync, readFileSync } from 'node:fs'

export interface AccessLogEntry {
  remote: string
  time: string
  method: string
  /** path without the query string, e.g. /v2/repo/blobs/sha256:… */
  path: string
  /** query string without '?', '' when none */
  query: string
  status: number
  /** response body bytes */
  bytes: number
  userAgent: string
}

const LINE = /^(\S+) \S+ \S+ \[([^\]]+)\] "(\S+) (\S+) [^"]*" (\d{3}) (\d+|-) "(?:[^"\\]|\\.)*" "((?:[^"\\]|\\.)*)"$/

export function parseAccessLogLine(line: string): AccessLogEntry | undefined {
  const m = LINE.exec(line)
  if (!m) return undefined
  const uri = m[4]!
  const q = uri.indexOf('?')
  return {
    remote: m[1]!,
    time: m[2]!,
    method: m[3]!,
    path: q < 0 ? uri : uri.slice(0, q),
    query: q < 0 ? '' : uri.slice(q + 1),
    status: Number(m[5]),
    bytes: m[6] === '-' ? 0 : Number(m[6]),
    userAgent: m[7]!,
  }
}

export function readAccessLog(path: string): AccessLogEntry[] {
  if (!existsSync(path)) return []
  const out: AccessLogEntry[] = []
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const e = parseAccessLogLine(line)
    if (e) out.push(e)
  }
  return out
}
