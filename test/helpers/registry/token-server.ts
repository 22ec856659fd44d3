/**
 * A Docker token server (the protocol of distribution's docs/spec/auth/token.md and oauth.md) on
 * 127.0.0.1, for registries configured with auth.token:
 *   GET  /token?service=&scope=…&scope=…[&account=][&offline_token=true]  (Basic credentials or anonymous)
 *   POST /token  grant_type=password (username, password) | refresh_token (refresh_token),
 *                service, scope (space separated), client_id, access_type=offline
 * Grants per scope are the intersection of what was asked and what the user's table allows.
 */
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { join } from 'node:path'
import { createSigningCert } from './pki.js'
import { JwtSigner, type ResourceAccess } from './jwt.js'
import { LOOPBACK } from './ports.js'
import { makeTempDir, removeTempDir } from './child.js'

/**
 * Permissions: key = repository name pattern (`*` matches any run of characters, `/` included) or
 * `type:name` for other resource types (e.g. `registry:catalog`); value = allowed actions
 * (`pull`, `push`, `delete`, `*` …); `['*']` allows every action asked for.
 */
export type AccessTable = Record<string, string[]>

export interface TokenUser {
  password: string
  /** default `{ '*': ['*'], 'registry:catalog': ['*'] }`: everything */
  access?: AccessTable
}

export interface TokenServerOptions {
  /** user → password (full access) or { password, access } */
  users?: Record<string, string | TokenUser>
  /** What requests without credentials get; absent: they are refused with 401. `{}`: a token with no access. */
  anonymous?: AccessTable
  /** `expires_in` reported to clients, seconds (default 300) */
  expiresIn?: number
  /**
   * How long the registry really accepts a token, seconds (default: expiresIn). distribution adds
   * a 60 s leeway to `exp`; the helper subtracts it, so with tokenLifetime 2 the registry answers
   * 401 between 2 and 3 s after issue — while clients (which round expires_in up to 60) still think it valid.
   */
  tokenLifetime?: number
  service?: string
  issuer?: string
  /** POST (OAuth2) answers 404 when true: for clients that must fall back to GET */
  disablePost?: boolean
}

export interface TokenRequest {
  method: 'GET' | 'POST'
  /** 'password' | 'refresh_token' for POST; undefined for GET */
  grantType?: string
  /** who was authenticated ('' = anonymous); undefined when refused */
  account?: string
  /** how the client authenticated: Basic header, POST password, refresh token, or nothing */
  credentials: 'basic' | 'password' | 'refresh_token' | 'none'
  service?: string
  scopes: string[]
  offline: boolean
  clientId?: string
  status: number
  granted: ResourceAccess[]
  /** the access token issued, if any */
  token?: string
  /** the refresh token issued, if any */
  refreshToken?: string
  /** headers as received (the test may assert on them) */
  headers: Record<string, string | string[] | undefined>
}

export interface TokenServer {
  /** http://127.0.0.1:PORT */
  url: string
  /** realm for auth.token.realm: `${url}/token` */
  realm: string
  service: string
  issuer: string
  /** PEM certificate distribution trusts (auth.token.rootcertbundle) */
  rootCertBundle: string
  port: number
  /** every request received, in order */
  requests(): TokenRequest[]
  close(): Promise<void>
}

const LEEWAY = 60

function matches(pattern: string, value: string): boolean {
  const re = new RegExp(
    '^' +
      pattern
        .split('*')
        .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*') +
      '$',
  )
  return re.test(value)
}

/** "repository:a/b:pull,push" → { type, name, actions }; class suffixes like repository(plugin) kept in type. */
export function parseScope(scope: string): ResourceAccess | undefined {
  const first = scope.indexOf(':')
  const last = scope.lastIndexOf(':')
  if (first < 0 || last === first) return undefined
  return {
    type: scope.slice(0, first),
    name: scope.slice(first + 1, last),
    actions: scope
      .slice(last + 1)
      .split(',')
      .filter(Boolean),
  }
}

export function grant(table: AccessTable, scopes: string[]): ResourceAccess[] {
  const out: ResourceAccess[] = []
  for (const s of scopes) {
    const want = parseScope(s)
    if (!want) continue
    const baseType = want.type.replace(/\(.*\)$/, '')
    const subject = baseType === 'repository' ? want.name : `${baseType}:${want.name}`
    const allowed = new Set<string>()
    for (const [pattern, actions] of Object.entries(table)) {
      const isTyped = pattern.includes(':')
      if (baseType === 'repository' ? !isTyped && matches(pattern, subject) : isTyped && matches(pattern, subject)) {
        for (const a of actions) allowed.add(a)
      }
    }
    const actions = allowed.has('*') ? want.actions : want.actions.filter((a) => allowed.has(a))
    if (actions.length) out.push({ type: want.type, name: want.name, actions })
  }
  return out
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

export async function startTokenServer(opts: TokenServerOptions = {}): Promise<TokenServer> {
  const dir = makeTempDir('skiff-token-')
  try {
    const cert = await createSigningCert(dir)
    const signer = new JwtSigner(cert.keyPath, cert.certPath)
    const service = opts.service ?? 'skiff-test-registry'
    const issuer = opts.issuer ?? 'skiff-test-issuer'
    const expiresIn = opts.expiresIn ?? 300
    const lifetime = opts.tokenLifetime ?? expiresIn
    const users = new Map<string, TokenUser>()
    for (const [name, u] of Object.entries(opts.users ?? {}))
      users.set(name, typeof u === 'string' ? { password: u } : u)
    const refreshTokens = new Map<string, string>()
    const log: TokenRequest[] = []

    const tableOf = (account: string): AccessTable =>
      account === ''
        ? (opts.anonymous ?? {})
        : (users.get(account)?.access ?? { '*': ['*'], 'registry:catalog': ['*'] })

    const issue = (account: string, scopes: string[], rec: TokenRequest) => {
      const nowMs = Date.now()
      const now = Math.floor(nowMs / 1000)
      rec.granted = grant(tableOf(account), scopes)
      // valid for at least `lifetime` and less than `lifetime + 1` seconds from now
      const exp = Math.ceil(nowMs / 1000 + lifetime) - LEEWAY
      rec.token = signer.sign({
        iss: issuer,
        sub: account,
        aud: service,
        iat: now,
        nbf: now - 1,
        exp,
        access: rec.granted,
      })
      return { access_token: rec.token, expires_in: expiresIn, issued_at: new Date(now * 1000).toISOString() }
    }

    const send = (res: ServerResponse, rec: TokenRequest, status: number, body: unknown) => {
      rec.status = status
      const text = JSON.stringify(body)
      res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) })
      res.end(text)
    }

    const checkPassword = (user: string, password: string): boolean => users.get(user)?.password === password

    const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1')
      const rec: TokenRequest = {
        method: req.method === 'POST' ? 'POST' : 'GET',
        credentials: 'none',
        scopes: [],
        offline: false,
        status: 0,
        granted: [],
        headers: { ...req.headers },
      }
      log.push(rec)
      if (
        url.pathname !== '/token' ||
        (req.method !== 'GET' && req.method !== 'POST') ||
        (req.method === 'POST' && opts.disablePost)
      ) {
        return send(res, rec, 404, { errors: [{ code: 'NOT_FOUND', message: 'not found' }] })
      }
      if (req.method === 'GET') {
        rec.service = url.searchParams.get('service') ?? undefined
        rec.scopes = url.searchParams
          .getAll('scope')
          .flatMap((s) => s.split(' '))
          .filter(Boolean)
        rec.offline = url.searchParams.get('offline_token') === 'true'
        rec.clientId = url.searchParams.get('client_id') ?? undefined
        const auth = req.headers.authorization
        let account = ''
        if (auth?.startsWith('Basic ')) {
          rec.credentials = 'basic'
          const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8')
          const colon = decoded.indexOf(':')
          const user = decoded.slice(0, colon)
          if (colon < 0 || !checkPassword(user, decoded.slice(colon + 1)))
            return send(res, rec, 401, { details: 'incorrect username or password' })
          account = user
        } else if (opts.anonymous === undefined) {
          return send(res, rec, 401, { details: 'authentication required' })
        }
        rec.account = account
        const body: Record<string, unknown> = issue(account, rec.scopes, rec)
        body.token = body.access_token
        if (rec.offline && account !== '') {
          rec.refreshToken = randomBytes(16).toString('hex')
          refreshTokens.set(rec.refreshToken, account)
          body.refresh_token = rec.refreshToken
        }
        return send(res, rec, 200, body)
      }
      const form = new URLSearchParams(await readBody(req))
      rec.grantType = form.get('grant_type') ?? undefined
      rec.service = form.get('service') ?? undefined
      rec.scopes = (form.get('scope') ?? '').split(' ').filter(Boolean)
      rec.clientId = form.get('client_id') ?? undefined
      rec.offline = form.get('access_type') === 'offline'
      let account: string
      if (rec.grantType === 'password') {
        rec.credentials = 'password'
        const user = form.get('username') ?? ''
        if (!checkPassword(user, form.get('password') ?? ''))
          return send(res, rec, 401, { error: 'invalid_grant', error_description: 'incorrect username or password' })
        account = user
      } else if (rec.grantType === 'refresh_token') {
        rec.credentials = 'refresh_token'
        const owner = refreshTokens.get(form.get('refresh_token') ?? '')
        if (owner === undefined)
          return send(res, rec, 401, { error: 'invalid_grant', error_description: 'unknown refresh token' })
        account = owner
        rec.refreshToken = form.get('refresh_token') ?? undefined
      } else {
        return send(res, rec, 400, { error: 'unsupported_grant_type' })
      }
      rec.account = account
      const body: Record<string, unknown> = {
        ...issue(account, rec.scopes, rec),
        scope: rec.granted.map((g) => `${g.type}:${g.name}:${g.actions.join(',')}`).join(' '),
      }
      if (rec.grantType === 'password' && rec.offline) {
        rec.refreshToken = randomBytes(16).toString('hex')
        refreshTokens.set(rec.refreshToken, account)
      }
      if (rec.refreshToken) body.refresh_token = rec.refreshToken
      return send(res, rec, 200, body)
    }

    const server: Server = createServer((req, res) => {
      handle(req, res).catch((e: Error) => {
        if (!res.headersSent) res.writeHead(500)
        res.end(String(e.message))
      })
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, LOOPBACK, () => resolve())
    })
    const addr = server.address()
    const port = typeof addr === 'object' && addr ? addr.port : 0
    const url = `http://${LOOPBACK}:${port}`
    let closing: Promise<void> | undefined
    return {
      url,
      realm: `${url}/token`,
      service,
      issuer,
      rootCertBundle: join(dir, 'token-signer.crt'),
      port,
      requests: () => [...log],
      close() {
        closing ??= new Promise<void>((resolve) => {
          server.close(() => resolve())
          server.closeAllConnections()
        }).then(() => removeTempDir(dir))
        return closing
      },
    }
  } catch (e) {
    removeTempDir(dir)
    throw e
  }
}
