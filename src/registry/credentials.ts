/**
 * Where credentials come from. The registry client only needs this small interface; by default it is
 * the lookup in auth.json / docker config / credential helpers (src/config/auth/).
 */
export interface Credentials {
  username: string
  password: string
  /** An OAuth2 refresh token (docker config `identitytoken`): exchanged at the token endpoint. */
  identityToken?: string
}

/** Looks up stored credentials for a registry host and repository (most specific key wins). */
export type CredentialSource = (
  registry: string,
  repository: string,
  opts: { authFile?: string; credentialHelpers?: string[] },
) => Promise<Credentials | undefined>

import { getCredentials } from '../config/auth/index.js'

/**
 * auth.json / docker config / credential helpers (src/config/auth), as containers/image, read with
 * `env` (HOME, XDG_RUNTIME_DIR, XDG_CONFIG_HOME, DOCKER_CONFIG, REGISTRY_AUTH_FILE, PATH).
 */
export function storedCredentials(env: NodeJS.ProcessEnv = process.env): CredentialSource {
  return async (registry, repository, opts) => {
    const c = await getCredentials(
      { registry, repository },
      {
        env,
        ...(opts.authFile ? { authFile: opts.authFile } : {}),
        ...(opts.credentialHelpers ? { credentialHelpers: opts.credentialHelpers } : {}),
      },
    )
    if (!c) return undefined
    if (c.kind === 'identityToken') return { username: c.username, password: '', identityToken: c.token }
    return { username: c.username, password: c.password }
  }
}
