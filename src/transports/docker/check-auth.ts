/**
 * containers/image's docker.CheckAuth (what `login` checks before storing credentials, and `logout`'s
 * "logged in with another tool" check): GET /v2/ with these credentials through the registry
 * client's auth flow (Basic, or a Bearer token fetched with them). TLS as for images: tlsVerify,
 * certDir, certs.d, registries.conf `insecure`; `blocked` registries are refused.
 */
import { isSkiffError } from '../../errors.js'
import { releaseClient } from '../../registry/client.js'
import { registryErrorFrom } from '../../registry/errors.js'
import { readErrorText } from '../../registry/http.js'
import type { TransportOptions } from '../types.js'
import { contextOf, registryClientOptions } from './options.js'

/**
 * True when `registry` (host[:port]) accepts the username and password, false when it rejects them;
 * other failures (unreachable, TLS, 5xx) throw. Only `registry.tlsVerify`, `certDir` and
 * `registriesConfPath` of `opts` are used (and its context: registries.conf, the debug log):
 * stored credentials and other given ones are not.
 */
export async function checkRegistryCredentials(
  registry: string,
  creds: { username: string; password: string },
  opts: TransportOptions = {},
): Promise<boolean> {
  const r = opts.registry ?? {}
  const access = {
    ...(r.tlsVerify !== undefined ? { tlsVerify: r.tlsVerify } : {}),
    ...(r.certDir ? { certDir: r.certDir } : {}),
    ...(r.registriesConfPath ? { registriesConfPath: r.registriesConfPath } : {}),
  }
  const context = contextOf(opts)
  const clientOpts = await registryClientOptions(registry, { registry: access, context })
  // A client of its own (a custom credential source is never shared) that knows only these credentials.
  const client = await (
    await context.clients()
  ).acquire(registry, {
    ...clientOpts,
    credentials: { ...creds },
    credentialSource: async () => undefined,
  })
  try {
    const signal = opts.signal
    const res = await client.request({ method: 'GET', path: '/v2/', scopes: [], ...(signal ? { signal } : {}) })
    const text = await readErrorText(res)
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
