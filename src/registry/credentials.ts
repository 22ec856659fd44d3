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
export type CredentialSource = (registry: string, repository: string, opts: { authFile?: string; credentialHelpers?: string[] }) => Promise<Credentials | undefined>

import { getCredentials } from '../config/auth/index.js'

/** auth.json / docker config / credential helpers (src/config/auth), as containers/image. */
export const storedCredentials: CredentialSource = async (registry, repository, opts) => {
  const c = await getCredentials({ registry, repository }, { ...(opts.authFile ? { authFile: opts.authFile } : {}), ...(opts.credentialHelpers ? { credentialHelpers: opts.credentialHelpers } : {}) })
  if (!c) return undefined
  if (c.kind === 'identityToken') return { username: c.username, password: '', identityToken: c.token }
  return { username: c.username, password: c.password }
}

let defaultSource: CredentialSource | undefined = storedCredentials

/** Sets the stored-credentials lookup used when no explicit credentials are given (wired by the CLI/library). */
export function setDefaultCredentialSource(s: CredentialSource | undefined): void {
  defaultSource = s
}

export function getDefaultCredentialSource(): CredentialSource | undefined {
  return defaultSource
}
