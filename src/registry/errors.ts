/**
 * Registry error responses (`{"errors":[{"code":"…","message":"…"}]}`) turned into SkiffErrors with
 * clear one-line messages naming the image; not-found becomes ImageNotFoundError (exit 2).
 */
import {
  type MessageWithOptions,
  ImageNotFoundError,
  ManifestTypeRejectedError,
  SkiffError,
  type ErrorCode,
  type SkiffErrorOptions,
  opt,
  withOptions,
} from '../errors.js'

export interface RegistryErrorEntry {
  code: string
  message?: string
  detail?: unknown
}

/** What was known about authentication when a registry refused a request. */
export interface AuthFacts {
  /** 'none': anonymous; 'credentials': a username (and password or identity token); 'token': --registry-token. */
  given: 'none' | 'credentials' | 'token'
  username?: string
  /** The repository the request was for. */
  repository?: string
  /** The request wanted to write (push, upload, mount, delete). */
  write?: boolean
  /** What the write was: a push (PUT/POST/PATCH) or a delete. */
  action?: 'push' | 'delete'
  /** Actions the registry's token granted on the repository, when the token said (JWT `access`). */
  granted?: string[]
  /** The challenge said error="insufficient_scope". */
  insufficientScope?: boolean
}

/** An error answer from a registry; `status` lets retry logic decide (429, 5xx). */
export class RegistryError extends SkiffError {
  readonly status: number
  readonly registryErrors: RegistryErrorEntry[]
  readonly retryable: boolean
  /** For 401/403: who was refused what (credentials given or not, the user, granted actions). */
  readonly auth?: AuthFacts
  constructor(
    code: ErrorCode,
    message: string | MessageWithOptions,
    status: number,
    entries: RegistryErrorEntry[],
    options?: SkiffErrorOptions & { auth?: AuthFacts },
  ) {
    super(code, message, options)
    this.status = status
    this.registryErrors = entries
    this.retryable = status === 429 || status >= 500
    if (options?.auth) this.auth = options.auth
  }
}

/** A not-found answer (exit 2) that keeps what the registry said, as RegistryError does. */
export class RegistryImageNotFoundError extends ImageNotFoundError {
  readonly status: number
  readonly registryErrors: RegistryErrorEntry[]
  constructor(message: string, status: number, entries: RegistryErrorEntry[], options?: SkiffErrorOptions) {
    super(message, options)
    this.status = status
    this.registryErrors = entries
  }
}

/** The error entries of a registry's answer behind `e`, if `e` is one. */
export function registryErrorEntries(e: unknown): RegistryErrorEntry[] | undefined {
  return e instanceof RegistryError || e instanceof RegistryImageNotFoundError ? e.registryErrors : undefined
}

export function parseRegistryErrors(text: string): RegistryErrorEntry[] {
  try {
    const j = JSON.parse(text) as { errors?: unknown }
    if (Array.isArray(j.errors)) {
      return j.errors
        .filter((e): e is Record<string, unknown> => !!e && typeof e === 'object')
        .map((e) => ({
          code: String(e.code ?? 'UNKNOWN'),
          ...(typeof e.message === 'string' ? { message: e.message } : {}),
          ...(e.detail !== undefined ? { detail: e.detail } : {}),
        }))
    }
  } catch {
    // not JSON
  }
  return []
}

function describe(entries: RegistryErrorEntry[], status: number, text: string): string {
  if (entries.length) return entries.map((e) => (e.message ? `${e.code}: ${e.message}` : e.code)).join('; ')
  const t = text.trim().replace(/\s+/g, ' ').slice(0, 200)
  return t ? `HTTP ${status}: ${t}` : `HTTP ${status}`
}

export interface ErrorContext {
  /** The image (transport:details) or registry the request was about. */
  image: string
  /** What was being done: "reading manifest latest", "uploading blob sha256:…". */
  what: string
  /** What a 404 means here: the image is missing (exit 2), or something else. */
  notFound?: 'image' | 'other'
  /** The registry host, for hints. */
  registry?: string
  /** Authentication facts, for advice on 401/403. */
  auth?: AuthFacts
}

/** The advice for a refused request: log in, wrong credentials, or not allowed to write. */
function authAdvice(
  status: number,
  detail: string,
  head: string,
  host: string,
  a: AuthFacts | undefined,
): string | MessageWithOptions {
  const who = a?.username ? a.username : 'these credentials'
  const repo = a?.repository ?? 'this repository'
  const refusedAccess = (status === 403 || a?.insufficientScope) && a !== undefined && a.given !== 'none'
  if (refusedAccess && a.write) {
    const mayPull = a.granted === undefined || a.granted.includes('pull') || a.granted.includes('*')
    if (a.action === 'delete')
      return `${head}: ${who} may not delete from ${repo} (${detail}); deleting needs delete permission on ${host}`
    return mayPull
      ? `${head}: ${who} may pull but not push to ${repo} (${detail}); ask for push access on ${host}, or push somewhere you may write`
      : `${head}: ${who} may not access ${repo} (${detail}); ask for access on ${host}`
  }
  if (refusedAccess && a.given === 'credentials') {
    // the credentials were accepted (a token was issued, or the registry said 403), but not for this repository
    return `${head}: ${who} may not pull from ${repo} (${detail}); ask for access on ${host}`
  }
  if (status === 401) {
    if (a?.given === 'credentials')
      return withOptions`${head}: the registry rejected the credentials for ${who} (${detail}); check the username and password (skiff login ${host}, or ${opt('registry.credentials')})`
    if (a?.given === 'token')
      return withOptions`${head}: the registry rejected the token given with ${opt('registry.bearerToken')} (${detail}); get a new one`
    return withOptions`${head}: authentication required (${detail}); log in to ${host} (skiff login ${host}) or pass ${opt('registry.credentials')}`
  }
  if (a?.given === 'none')
    return withOptions`${head}: access denied (${detail}); log in to ${host} (skiff login ${host}) or pass ${opt('registry.credentials')}`
  return `${head}: access denied (${detail}); check that ${who} may access ${repo} on ${host}`
}

/** Builds the error for a non-success registry answer. */
export function registryErrorFrom(status: number, text: string, ctx: ErrorContext): SkiffError {
  const entries = parseRegistryErrors(text)
  const codes = new Set(entries.map((e) => e.code))
  const detail = describe(entries, status, text)
  const head = `${ctx.image}: ${ctx.what}`
  const opts = { image: ctx.image }
  const host = ctx.registry ?? 'the registry'
  if (
    codes.has('NAME_UNKNOWN') ||
    codes.has('MANIFEST_UNKNOWN') ||
    (status === 404 && ctx.notFound === 'image' && !codes.has('BLOB_UNKNOWN'))
  ) {
    return new RegistryImageNotFoundError(`${head}: image not found (${detail})`, status, entries, opts)
  }
  if (status === 401 || codes.has('UNAUTHORIZED') || status === 403 || codes.has('DENIED')) {
    const st = status === 401 || status === 403 ? status : codes.has('DENIED') ? 403 : 401
    return new RegistryError('ERR_UNAUTHORIZED', authAdvice(st, detail, head, host, ctx.auth), status, entries, {
      ...opts,
      ...(ctx.auth ? { auth: ctx.auth } : {}),
    })
  }
  if (status === 429 || codes.has('TOOMANYREQUESTS')) {
    return new RegistryError(
      'ERR_TOO_MANY_REQUESTS',
      withOptions`${head}: too many requests (${detail}); ${host} is rate-limiting: wait and retry, or use ${opt('registry.retryTimes')}`,
      status,
      entries,
      opts,
    )
  }
  if (status === 415 || (codes.has('MANIFEST_INVALID') && /media ?type|unsupported/i.test(detail))) {
    return new ManifestTypeRejectedError('', `${head}: the registry rejected the manifest type (${detail})`, opts)
  }
  if (codes.has('BLOB_UNKNOWN')) {
    return new RegistryError('ERR_REGISTRY', `${head}: blob unknown to the registry (${detail})`, status, entries, opts)
  }
  if (status === 405 || codes.has('UNSUPPORTED')) {
    return new RegistryError(
      'ERR_UNSUPPORTED',
      `${head}: the registry does not support this operation (${detail})`,
      status,
      entries,
      opts,
    )
  }
  return new RegistryError('ERR_REGISTRY', `${head}: registry error (${detail})`, status, entries, opts)
}
