/**
 * RegistryClient: one registry host. Finds the endpoint (ping `/v2/`: HTTPS, or plain HTTP when TLS
 * verification is off), answers authentication challenges (Basic / Bearer, token cache per scope,
 * refresh on 401) and sends requests through the shared HTTP layer. Clients are shared by
 * everything in one context that uses the same registry with the same options (pool.ts, refcounted).
 */
import { SkiffError } from '../errors.js'
import type { RegistryAccessOptions } from './types.js'
import { basicHeader, fetchToken, parseChallenges, TokenCache, type Challenge } from './auth.js'
import { storedCredentials, type CredentialSource, type Credentials } from './credentials.js'
import {
  answeredPlainHttp,
  describeNetworkError,
  discard,
  HttpClient,
  type Body,
  type HttpResponse,
  type Method,
} from './http.js'
import type { AuthFacts } from './errors.js'
import type { TlsMaterial } from './tls.js'
import { loadTlsConfig } from '../config/certs.js'
import { BlobLocationCache } from './blob-locations.js'
import type { RetryBudget } from '../util/retry.js'
import { noDebugLog, type DebugLog } from './log.js'
import type { AuthProvider } from './http/auth.js'

export interface RegistryClientOptions extends RegistryAccessOptions {
  /** Stored-credentials lookup; default: the context's (ClientDeps.credentialSource). */
  credentialSource?: CredentialSource
  /** TLS material to use instead of reading --cert-dir / certs.d. */
  tls?: TlsMaterial
  /** Connections per host (the per-host request concurrency). Default 6. */
  connectionsPerHost?: number
  /** registries.conf `credential-helpers`, passed to the credential source (default ["containers-auth.json"]). */
  credentialHelpers?: string[]
}

/** What a client takes from its context (src/registry/context.ts) instead of from process-wide state. */
export interface ClientDeps {
  /** The environment certs.d is looked up with (HOME). */
  env: NodeJS.ProcessEnv
  /** The --debug log. */
  log: DebugLog
  /** Stored credentials, used when the options give none. */
  credentialSource: CredentialSource
  /** Where blobs live, for cross-repository mounts; shared by the context's clients. */
  blobLocations: BlobLocationCache
}

/** Deps for a client made outside any context (RegistryClient.create without deps): nothing shared. */
function standaloneDeps(): ClientDeps {
  return {
    env: process.env,
    log: noDebugLog,
    credentialSource: storedCredentials(),
    blobLocations: new BlobLocationCache(),
  }
}

/** The host to talk to for a registry name (docker.io is served by registry-1.docker.io). */
export function registryHost(registry: string): string {
  return registry === 'docker.io' ? 'registry-1.docker.io' : registry
}

export interface RegistryRequest {
  method: Method
  /** A path under the endpoint (`/v2/…`), or an absolute URL (upload Locations). */
  path?: string
  url?: URL
  headers?: Record<string, string>
  body?: Body
  /** Token scopes this request needs (`repository:NAME:pull`). */
  scopes: string[]
  /** The repository whose credentials apply. */
  repo?: string
  followRedirects?: boolean
  signal?: AbortSignal
  /** The operation's retry budget (util/retry.ts); the ping and token requests made for this request spend from it too. */
  retry?: RetryBudget
  /** A 2xx answer larger than this fails with `tooLarge()` (http/size-limit.ts). */
  maxBodySize?: number
  tooLarge?: () => Error
}

interface Endpoint {
  base: URL
}

export class RegistryClient {
  readonly http: HttpClient
  readonly blobLocations: BlobLocationCache
  readonly log: DebugLog
  /** A mount was answered with an ordinary upload (202): reuse checks HEAD before mounting (transports/docker/destination.ts). */
  mountsDeclined = false
  /**
   * Reuse checks in flight by "repository\0digest" (transports/docker/destination.ts): a second
   * image placing the same blob in the same repository waits for the first instead of mounting it
   * again — distribution rewrites the repository's link file on every mount, in place, and a
   * manifest PUT that reads it meanwhile fails (DIGEST_INVALID, MANIFEST_BLOB_UNKNOWN).
   */
  readonly reuseInFlight = new Map<string, Promise<{ size: number } | undefined>>()
  private readonly credentialSource: CredentialSource
  /** Set by the pool that hands this client out (release gives it back); see release(). */
  private owner: { release(c: RegistryClient): Promise<void> } | undefined
  private endpointP: Promise<Endpoint> | undefined
  private challenge: Challenge | undefined
  private readonly tokens = new TokenCache()
  private readonly creds = new Map<string, Promise<Credentials | undefined>>()

  private constructor(
    readonly registry: string,
    readonly opts: RegistryClientOptions,
    tls: TlsMaterial,
    deps: ClientDeps,
  ) {
    const insecure = opts.tlsVerify === false
    this.blobLocations = deps.blobLocations
    this.log = deps.log
    this.credentialSource = opts.credentialSource ?? deps.credentialSource
    this.http = new HttpClient({
      log: deps.log,
      tlsFor: () => tls,
      insecure: () => insecure,
      ...(opts.userAgent ? { userAgent: opts.userAgent } : {}),
      ...(opts.retryTimes !== undefined ? { retryTimes: opts.retryTimes } : {}),
      ...(opts.retryDelayMs !== undefined ? { retryDelayMs: opts.retryDelayMs } : {}),
      ...(opts.connectionsPerHost ? { connectionsPerHost: opts.connectionsPerHost } : {}),
      ...(opts.idleTimeoutMs !== undefined ? { idleTimeoutMs: opts.idleTimeoutMs } : {}),
    })
  }

  /** A client of its own (not pooled); `deps` from a context, else nothing is shared with other clients. */
  static async create(
    registry: string,
    opts: RegistryClientOptions = {},
    deps: ClientDeps = standaloneDeps(),
  ): Promise<RegistryClient> {
    const tls =
      opts.tls ?? (await loadTlsConfig(registry, { env: deps.env, ...(opts.certDir ? { certDir: opts.certDir } : {}) }))
    return new RegistryClient(registry, opts, tls, deps)
  }

  /** Called once by the pool that created this client. */
  ownedBy(owner: { release(c: RegistryClient): Promise<void> }): void {
    this.owner = owner
  }

  /** Gives the client back to its pool (closed when nobody holds it any more); a client of its own is closed. */
  release(): Promise<void> {
    return this.owner ? this.owner.release(this) : this.close()
  }

  /** Finds the endpoint once: HTTPS, or (with tlsVerify false) HTTP when HTTPS does not work. */
  endpoint(signal?: AbortSignal, retry?: RetryBudget): Promise<Endpoint> {
    if (!this.endpointP) {
      this.endpointP = this.ping(signal, retry)
      this.endpointP.catch(() => {
        this.endpointP = undefined
      })
    }
    return this.endpointP
  }

  private async ping(signal?: AbortSignal, retry?: RetryBudget): Promise<Endpoint> {
    const host = registryHost(this.registry)
    const schemes = this.opts.tlsVerify === false ? ['https', 'http'] : ['https']
    let lastErr: unknown
    for (const scheme of schemes) {
      const base = new URL(`${scheme}://${host}/`)
      try {
        const res = await this.http.send({
          method: 'GET',
          url: new URL('/v2/', base),
          ...(signal ? { signal } : {}),
          ...(retry ? { retry } : {}),
        })
        await discard(res)
        if (res.status === 200 || res.status === 401) {
          if (res.status === 401) this.setChallenge(res.headers)
          this.log(
            () =>
              `registry: ${this.registry} is at ${base.origin}${this.challenge ? ` (auth: ${this.challenge.scheme})` : ''}`,
          )
          return { base }
        }
        lastErr = new SkiffError(
          'ERR_REGISTRY',
          `${this.registry}: ${base.origin}/v2/ answered HTTP ${res.status}: this does not look like a container registry (Registry API v2)`,
        )
      } catch (e) {
        lastErr = e
        // a TLS server that closes without answering: it may have sent an alert (client certificate required)
        if (
          scheme === 'https' &&
          e instanceof SkiffError &&
          e.code === 'ERR_IO' &&
          /UND_ERR_SOCKET|ECONNRESET/.test(e.message)
        ) {
          const alert = await this.http.tlsAlert(base).catch(() => undefined)
          if (alert) {
            lastErr = describeNetworkError(alert, 'GET', new URL('/v2/', base)) ?? e
            // a plain-HTTP server (it reset the first hello, then answered the second in plain
            // text): not a TLS refusal, so http:// is still tried when TLS need not be verified
            if (answeredPlainHttp(alert)) continue
            break
          }
        }
      }
    }
    if (lastErr instanceof SkiffError && !lastErr.message.includes(this.registry)) {
      throw new SkiffError(lastErr.code, `pinging container registry ${this.registry}: ${lastErr.message}`, {
        cause: lastErr,
      })
    }
    throw lastErr
  }

  private setChallenge(headers: HttpResponse['headers']): Challenge | undefined {
    const chs = parseChallenges(headers['www-authenticate'])
    const ch = chs.find((c) => c.scheme === 'bearer') ?? chs.find((c) => c.scheme === 'basic')
    if (ch) this.challenge = ch
    return ch
  }

  credentialsFor(repo: string | undefined): Promise<Credentials | undefined> {
    if (this.opts.anonymous) return Promise.resolve(undefined)
    if (this.opts.credentials) return Promise.resolve(this.opts.credentials)
    const key = repo ?? ''
    let p = this.creds.get(key)
    if (!p) {
      const lookup = {
        ...(this.opts.authFile ? { authFile: this.opts.authFile } : {}),
        ...(this.opts.credentialHelpers ? { credentialHelpers: this.opts.credentialHelpers } : {}),
      }
      p = this.credentialSource(this.registry, repo ?? '', lookup)
      this.creds.set(key, p)
    }
    return p
  }

  private async authorization(
    scopes: string[],
    repo: string | undefined,
    signal?: AbortSignal,
    retry?: RetryBudget,
  ): Promise<string | undefined> {
    if (this.opts.bearerToken) return `Bearer ${this.opts.bearerToken}`
    const ch = this.challenge
    if (!ch) return undefined
    const creds = await this.credentialsFor(repo)
    if (ch.scheme === 'basic') return creds ? basicHeader(creds) : undefined
    if (ch.scheme === 'bearer') {
      const token = await this.tokens.obtain(scopes, () =>
        fetchToken(this.http, ch, scopes, creds, {
          registry: this.registry,
          ...(signal ? { signal } : {}),
          ...(retry ? { retry } : {}),
        }),
      )
      return `Bearer ${token}`
    }
    return undefined
  }

  /**
   * Sends a request through the HTTP layer with this client's auth provider: the auth interceptor
   * (http/auth.ts) adds the header and, on a 401, lets the provider refresh the token (or learn the
   * challenge) and sends once more.
   */
  async request(r: RegistryRequest): Promise<HttpResponse> {
    const { base } = await this.endpoint(r.signal, r.retry)
    const url = r.url ?? new URL(r.path ?? '/v2/', base)
    return this.http.send({
      method: r.method,
      url,
      ...(r.headers ? { headers: r.headers } : {}),
      ...(r.body !== undefined ? { body: r.body } : {}),
      ...(r.followRedirects ? { followRedirects: true } : {}),
      ...(r.signal ? { signal: r.signal } : {}),
      ...(r.retry ? { retry: r.retry } : {}),
      ...(r.maxBodySize !== undefined ? { maxBodySize: r.maxBodySize } : {}),
      ...(r.tooLarge ? { tooLarge: r.tooLarge } : {}),
      auth: this.authProvider(r, url),
    })
  }

  /** What the auth interceptor asks for one request: its header, and whether a 401 is worth one more try. */
  private authProvider(r: RegistryRequest, url: URL): AuthProvider {
    let scopes = r.scopes
    return {
      header: () => this.authorization(scopes, r.repo, r.signal, r.retry),
      retryAfter401: async (headers) => {
        if (this.opts.bearerToken) return false
        const before = this.challenge
        const ch = this.setChallenge(headers)
        if (!ch) return false
        if (ch.scheme === 'bearer') {
          const extra = (ch.params.scope ?? '').split(' ').filter((s) => s && !scopes.includes(s))
          this.tokens.invalidate(scopes)
          scopes = [...scopes, ...extra]
          this.tokens.invalidate(scopes)
        } else if (before?.scheme === 'basic') {
          return false // Basic credentials were sent and rejected: nothing to refresh
        }
        if (ch.scheme === 'basic' && !(await this.credentialsFor(r.repo))) return false
        this.log(() => `registry: 401 from ${url.origin}${url.pathname}; authenticating again (${ch.scheme})`)
        return true
      },
    }
  }

  /**
   * What was known about authentication for a refused request (`res` a 401/403 answer to a request
   * for `repo` with `scopes`): for error advice that fits (log in / wrong credentials / pull-only).
   */
  async authFacts(repo: string | undefined, scopes: string[], res: HttpResponse): Promise<AuthFacts> {
    const write = res.method !== 'GET' && res.method !== 'HEAD'
    const facts: AuthFacts = { given: 'none', write }
    if (write) facts.action = res.method === 'DELETE' ? 'delete' : 'push'
    if (repo !== undefined) facts.repository = repo
    if (this.opts.bearerToken) facts.given = 'token'
    else {
      const creds = await this.credentialsFor(repo).catch(() => undefined)
      if (creds) {
        facts.given = 'credentials'
        if (creds.username) facts.username = creds.username
      }
    }
    const chs = parseChallenges(res.headers['www-authenticate'])
    if (chs.some((c) => c.params.error === 'insufficient_scope')) facts.insufficientScope = true
    if (repo !== undefined) {
      const entry = this.tokens.peek(scopes)
      const grant = entry?.access?.filter((a) => a.type === 'repository' && a.name === repo)
      if (entry?.access) facts.granted = [...new Set((grant ?? []).flatMap((a) => a.actions))]
    }
    return facts
  }

  /** The endpoint's base URL (after ping). */
  async baseUrl(signal?: AbortSignal, retry?: RetryBudget): Promise<URL> {
    return (await this.endpoint(signal, retry)).base
  }

  async close(): Promise<void> {
    await this.blobLocations.flush()
    await this.http.close()
  }
}

/** Gives a client back to the pool it came from (see RegistryClient.release). */
export function releaseClient(client: RegistryClient): Promise<void> {
  return client.release()
}
