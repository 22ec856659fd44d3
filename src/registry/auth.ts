/**
 * Registry authentication: WWW-Authenticate challenges (Basic, Bearer with realm/service/scope),
 * token requests (GET with Basic credentials, or an OAuth2 POST with a refresh/identity token), and a
 * token cache per scope set with expiry.
 */
import { SkiffError, opt, withOptions } from '../errors.js'
import type { Credentials } from './credentials.js'
import { readBody, readErrorText, type HttpClient } from './http.js'
import { registryErrorFrom } from './errors.js'
import { MAX_TOKEN_RESPONSE_SIZE, sizeLimitMessage } from '../util/limits.js'
import type { RetryBudget } from '../util/retry.js'

export interface Challenge {
  scheme: string
  params: Record<string, string>
}

/** Parses `Bearer realm="…",service="…",scope="…"` (possibly several challenges). */
export function parseChallenges(value: string | string[] | undefined): Challenge[] {
  if (!value) return []
  const out: Challenge[] = []
  for (const v of Array.isArray(value) ? value : [value]) {
    let i = 0
    let cur: Challenge | undefined
    while (i < v.length) {
      while (v[i] === ' ' || v[i] === ',') i++
      if (i >= v.length) break
      // a parameter?
      const pm = /^([A-Za-z][A-Za-z0-9_.-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/.exec(v.slice(i))
      if (pm && cur) {
        cur.params[pm[1]!.toLowerCase()] = pm[2] !== undefined ? pm[2].replace(/\\(.)/g, '$1') : (pm[3] ?? '')
        i += pm[0].length
        continue
      }
      const sm = /^([A-Za-z][A-Za-z0-9_-]*)/.exec(v.slice(i))
      if (!sm) break
      cur = { scheme: sm[1]!.toLowerCase(), params: {} }
      out.push(cur)
      i += sm[0].length
    }
  }
  return out
}

export interface TokenCacheEntry {
  token: string
  expiresAt: number
  /** What the token grants, when it is a JWT with an `access` claim (docker/distribution's format). */
  access?: { type: string; name: string; actions: string[] }[]
}

/** The `access` claim of a JWT token, if the token is one; undefined for opaque tokens. */
export function tokenAccess(token: string): TokenCacheEntry['access'] {
  const parts = token.split('.')
  if (parts.length !== 3) return undefined
  try {
    const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as { access?: unknown }
    if (!Array.isArray(claims.access)) return undefined
    return claims.access
      .filter((a): a is Record<string, unknown> => !!a && typeof a === 'object')
      .map((a) => ({
        type: String(a.type ?? ''),
        name: String(a.name ?? ''),
        actions: Array.isArray(a.actions) ? a.actions.map(String) : [],
      }))
  } catch {
    return undefined
  }
}

/** Scope strings: `repository:NAME:pull` / `repository:NAME:pull,push`. */
export function repoScope(repo: string, actions: 'pull' | 'pull,push' | 'delete' | '*'): string {
  return `repository:${repo}:${actions}`
}

export class TokenCache {
  private readonly entries = new Map<string, TokenCacheEntry>()
  private readonly inflight = new Map<string, Promise<string>>()
  /** The newest entry fetched for each scope set, kept through invalidate (error advice only). */
  private readonly lastFetched = new Map<string, TokenCacheEntry>()

  static key(scopes: string[]): string {
    return [...new Set(scopes)].sort().join(' ')
  }

  get(scopes: string[]): string | undefined {
    const e = this.entries.get(TokenCache.key(scopes))
    if (!e) return undefined
    if (Date.now() >= e.expiresAt) {
      this.entries.delete(TokenCache.key(scopes))
      return undefined
    }
    return e.token
  }

  /**
   * The entry for these scopes, even if expired or invalidated (for error advice: what the token
   * granted). Concurrent requests that meet a 401 invalidate the shared entry, so the refused
   * request may find none cached: the newest fetched one still says what was granted.
   */
  peek(scopes: string[]): TokenCacheEntry | undefined {
    const k = TokenCache.key(scopes)
    return this.entries.get(k) ?? this.lastFetched.get(k)
  }

  invalidate(scopes: string[]): void {
    this.entries.delete(TokenCache.key(scopes))
  }

  /** Returns a cached token or runs `fetch` once for concurrent callers with the same scopes. */
  async obtain(scopes: string[], fetch: () => Promise<TokenCacheEntry>): Promise<string> {
    const cached = this.get(scopes)
    if (cached) return cached
    const k = TokenCache.key(scopes)
    let p = this.inflight.get(k)
    if (!p) {
      p = fetch().then((e) => {
        this.entries.set(k, e)
        this.lastFetched.set(k, e)
        return e.token
      })
      this.inflight.set(k, p)
      p.then(
        () => this.inflight.delete(k),
        () => this.inflight.delete(k),
      )
    }
    return p
  }
}

/** Fetches a Bearer token from the challenge's realm for `scopes`. */
export async function fetchToken(
  http: HttpClient,
  ch: Challenge,
  scopes: string[],
  creds: Credentials | undefined,
  ctx: { registry: string; signal?: AbortSignal; retry?: RetryBudget },
): Promise<TokenCacheEntry> {
  const realm = ch.params.realm
  if (!realm)
    throw new SkiffError('ERR_REGISTRY', `${ctx.registry}: the registry asked for a Bearer token without a realm`)
  let url: URL
  try {
    url = new URL(realm)
  } catch {
    throw new SkiffError('ERR_REGISTRY', `${ctx.registry}: invalid token realm "${realm}"`)
  }
  const where = `${url.origin}${url.pathname}`
  const limit = {
    maxBodySize: MAX_TOKEN_RESPONSE_SIZE,
    tooLarge: () =>
      new SkiffError(
        'ERR_REGISTRY',
        `${ctx.registry}: reading the token answer from ${where}: ${sizeLimitMessage(MAX_TOKEN_RESPONSE_SIZE)}`,
      ),
  }
  const service = ch.params.service
  let res
  if (creds?.identityToken) {
    const form = new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: creds.identityToken,
      client_id: 'skiff',
    })
    if (service) form.set('service', service)
    if (scopes.length) form.set('scope', scopes.join(' '))
    res = await http.send({
      ...limit,
      method: 'POST',
      url,
      body: form.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      ...(ctx.retry ? { retry: ctx.retry } : {}),
    })
  } else {
    if (service) url.searchParams.set('service', service)
    for (const s of scopes) url.searchParams.append('scope', s)
    const headers: Record<string, string> = {}
    if (creds) headers.authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`
    res = await http.send({
      ...limit,
      method: 'GET',
      url,
      headers,
      followRedirects: true,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      ...(ctx.retry ? { retry: ctx.retry } : {}),
    })
  }
  if (res.status !== 200) {
    const text = await readErrorText(res)
    const e = registryErrorFrom(res.status, text, {
      image: ctx.registry,
      what: `getting an access token from ${where}`,
      registry: ctx.registry,
    })
    if (res.status === 401 || res.status === 403) {
      const msg = creds
        ? withOptions`${ctx.registry}: the registry rejected the credentials for ${creds.username || 'the identity token'} (the token server ${where} answered HTTP ${res.status}: invalid username/password or token); check them (skiff login ${ctx.registry}, or ${opt('registry.credentials')})`
        : withOptions`${ctx.registry}: authentication required (the token server ${where} answered HTTP ${res.status}); log in (skiff login ${ctx.registry}) or pass ${opt('registry.credentials')}`
      throw new SkiffError('ERR_UNAUTHORIZED', msg, { cause: e, image: ctx.registry })
    }
    throw e
  }
  const body = await readBody(res)
  let j: { token?: string; access_token?: string; expires_in?: number; issued_at?: string }
  try {
    j = JSON.parse(body.toString('utf8')) as typeof j
  } catch {
    throw new SkiffError('ERR_REGISTRY', `${ctx.registry}: the token server answered with invalid JSON`)
  }
  const token = j.token || j.access_token
  if (!token) throw new SkiffError('ERR_REGISTRY', `${ctx.registry}: the token server answered without a token`)
  const expiresIn = typeof j.expires_in === 'number' && j.expires_in > 0 ? j.expires_in : 60
  const issued = j.issued_at ? Date.parse(j.issued_at) : NaN
  const start = Number.isNaN(issued) || issued > Date.now() ? Date.now() : issued
  // renew a little before it expires (10 s or 10 %), so a long upload does not start with a stale token
  const margin = Math.min(10_000, expiresIn * 100)
  http.log(() => `registry: got a token for ${scopes.join(' ')} from ${url.origin}, expires in ${expiresIn}s`)
  const access = tokenAccess(token)
  return { token, expiresAt: start + expiresIn * 1000 - margin, ...(access ? { access } : {}) }
}

export function basicHeader(c: Credentials): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`
}
