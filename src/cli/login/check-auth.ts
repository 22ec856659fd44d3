/**
 * containers/image's docker.CheckAuth for `login` (and `logout`'s "logged in with another tool"
 * check): GET /v2/ with these credentials through the registry client's auth flow (Basic, or a
 * Bearer token fetched with them). TLS as for images: --tls-verify, --cert-dir, certs.d,
 * registries.conf `insecure`; `blocked` registries are refused.
 */
import { isSkiffError } from '../../errors.js'
import { releaseClient } from '../../registry/client.js'
import type { SkiffContext } from '../../registry/context.js'
import { registryErrorFrom } from '../../registry/errors.js'
import { contextOf, registryClientOptions } from '../../transports/docker/options.js'
import type { RegistryAccessOptions } from '../../registry/types.js'

export interface CheckAuthOptions {
  tlsVerify?: boolean
  certDir?: string
  /** --registries-conf. */
  registriesConfPath?: string
  signal?: AbortSignal
  /** The command's context (registries.conf, debug log); default a fresh one. */
  context?: SkiffContext
}

/** True when the registry accepts the credentials, false when it rejects them; other failures throw. */
export async function checkAuth(registry: string, creds: { username: string; password: string }, o: CheckAuthOptions = {}): Promise<boolean> {
  const access: RegistryAccessOptions = {}
  if (o.tlsVerify !== undefined) access.tlsVerify = o.tlsVerify
  if (o.certDir) access.certDir = o.certDir
  if (o.registriesConfPath) access.registriesConfPath = o.registriesConfPath
  const context = contextOf(o.context ? { context: o.context } : undefined)
  const opts = await registryClientOptions(registry, { registry: access, context })
  // A client of its own (a custom credential source is never shared) that knows only these credentials.
  const client = await (await context.clients()).acquire(registry, { ...opts, credentials: { ...creds }, credentialSource: async () => undefined })
  try {
    const res = await client.request({ method: 'GET', path: '/v2/', scopes: [], ...(o.signal ? { signal: o.signal } : {}) })
    const text = await res.body.text().catch(() => '')
    if (res.status === 200) return true
    if (res.status === 401) return false
    throw registryErrorFrom(res.status, text, { image: registry, what: 'checking the credentials', registry })
  } catch (e) {
    // a token server that refuses the credentials
    if (isSkiffError(e) && e.code === 'ERR_UNAUTHORIZED') return false
    throw e
  } finally {
    await releaseClient(client)
  }
}
