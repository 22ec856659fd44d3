/**
 * Registry credentials: lookup (getCredentials) and the edits `login` / `logout` make
 * (setCredentials, removeCredentials, removeAllCredentials), as containers/image
 * pkg/docker/config, plus Docker's `credsStore`.
 *
 * Lookup goes through registries.conf's `credential-helpers` (default ["containers-auth.json"]);
 * "containers-auth.json" means the auth files in authFileLookupPaths order. In each file:
 * a `credHelpers` entry for the registry decides alone; else `credsStore` (when it has an answer);
 * else `auths`, most specific key first (registry/ns/repo, registry/ns, registry), then keys
 * written as URLs or as other docker.io spellings.
 */
import { SkiffError } from '../../errors.js'
import { type AuthEntry, type AuthFileContents, editAuthFile, readAuthFile } from './file.js'
import { helperErase, helperGet, helperList, helperStore, type HelperCredentials } from './helper.js'
import {
  authKeysForKey,
  DOCKER_HUB_LEGACY_KEY,
  normalizeAuthFileKey,
  normalizeRegistry,
  registryOfKey,
  validateKey,
} from './keys.js'
import { type AuthFilePath, type AuthFileOptions, authFileLookupPaths, primaryAuthFile } from './paths.js'

/** The special credential-helpers entry meaning "the auth files". */
export const AUTH_FILE_HELPER = 'containers-auth.json'

export type Credentials =
  | { kind: 'basic'; username: string; password: string; source: string }
  /**
   * An OAuth2 refresh token: the registry client exchanges it at the token endpoint
   * (grant_type=refresh_token) instead of sending username/password. `username` is the one stored
   * with it, or "<token>" when a credential helper returned it.
   */
  | { kind: 'identityToken'; username: string; token: string; source: string }

export interface CredentialOptions extends AuthFileOptions {
  /** registries.conf `credential-helpers`; default ["containers-auth.json"]. */
  credentialHelpers?: string[]
}

export interface RepositoryRef {
  /** host[:port] as in the reference (docker.io for Docker Hub). */
  registry: string
  /** The path after the registry (`library/busybox`); empty for the registry itself. */
  repository: string
}

function helpersOf(opts: CredentialOptions): string[] {
  return opts.credentialHelpers && opts.credentialHelpers.length > 0 ? opts.credentialHelpers : [AUTH_FILE_HELPER]
}

function fromHelper(c: HelperCredentials, source: string): Credentials {
  if (c.username === '<token>') return { kind: 'identityToken', username: c.username, token: c.secret, source }
  return { kind: 'basic', username: c.username, password: c.secret, source }
}

/** docker.io is stored under Docker's legacy URL by Docker and under "docker.io" by podman/skopeo. */
function helperServerURLs(registry: string, dockerStyleFirst: boolean): string[] {
  if (normalizeRegistry(registry) !== 'index.docker.io') return [registry]
  return dockerStyleFirst ? [DOCKER_HUB_LEGACY_KEY, registry] : [registry, DOCKER_HUB_LEGACY_KEY]
}

async function getFromHelper(
  helper: string,
  registry: string,
  dockerStyleFirst: boolean,
  env: NodeJS.ProcessEnv | undefined,
): Promise<Credentials | undefined> {
  for (const url of helperServerURLs(registry, dockerStyleFirst)) {
    const c = await helperGet(helper, url, { env })
    if (c) return fromHelper(c, `credential helper ${helper}`)
  }
  return undefined
}

/** Decodes an `auths` entry; undefined for entries without usable credentials (e.g. helper markers `{}`). */
export function decodeAuthEntry(entry: AuthEntry, source: string): Credentials | undefined {
  let username = ''
  let password: string | undefined
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon !== -1) {
      username = decoded.slice(0, colon)
      password = decoded.slice(colon + 1).replace(/^\0+|\0+$/g, '')
    }
  }
  if (entry.identitytoken)
    return { kind: 'identityToken', username: username || '<token>', token: entry.identitytoken, source }
  if (password === undefined || (username === '' && password === '')) return undefined
  return { kind: 'basic', username, password, source }
}

async function findInFile(
  key: string,
  registry: string,
  file: AuthFilePath,
  env: NodeJS.ProcessEnv | undefined,
): Promise<Credentials | undefined> {
  const c = await readAuthFile(file.path, file.legacyFormat)
  const helper =
    c.credHelpers[registry] ??
    Object.entries(c.credHelpers).find(([k]) => normalizeAuthFileKey(k, false) === normalizeRegistry(registry))?.[1]
  if (helper !== undefined) return getFromHelper(helper, registry, false, env)
  if (c.credsStore !== undefined) {
    try {
      const found = await getFromHelper(c.credsStore, registry, true, env)
      if (found) return found
    } catch (e) {
      // A config.json copied from another machine often names a store that is not installed here;
      // Docker would fail, skopeo ignores credsStore altogether: use the file's own entries.
      if (!(e instanceof SkiffError && /not found in \$PATH/.test(e.message))) throw e
    }
  }
  const keys = file.legacyFormat ? [registry] : authKeysForKey(key)
  for (const k of keys) {
    const entry = c.auths[k]
    if (entry === undefined) continue
    const found = decodeAuthEntry(entry, file.path)
    if (found) return found
  }
  const normalized = normalizeRegistry(registry)
  for (const [k, entry] of Object.entries(c.auths)) {
    if (normalizeAuthFileKey(k, file.legacyFormat) !== normalized) continue
    const found = decodeAuthEntry(entry, file.path)
    if (found) return found
  }
  return undefined
}

/**
 * Credentials for a key (`registry`, `registry/ns`, `registry/ns/repo`), or undefined when none
 * are configured (anonymous access). Throws when a file is broken or a helper fails.
 */
export async function getCredentialsForKey(
  key: string,
  opts: CredentialOptions = {},
): Promise<Credentials | undefined> {
  validateKey(key)
  const registry = registryOfKey(key)
  const errors: Error[] = []
  for (const helper of helpersOf(opts)) {
    try {
      if (helper === AUTH_FILE_HELPER) {
        for (const file of authFileLookupPaths(opts)) {
          const found = await findInFile(key, registry, file, opts.env)
          if (found) return found
        }
      } else {
        // Helpers hold per-registry credentials only.
        const found = await getFromHelper(helper, registry, false, opts.env)
        if (found) return found
      }
    } catch (e) {
      errors.push(e as Error)
    }
  }
  if (errors.length === 1) throw errors[0]
  if (errors.length > 1) {
    throw new SkiffError(
      'ERR_CONFIG_INVALID',
      `errors looking up credentials for ${key}: ${errors.map((e) => e.message).join('; ')}`,
      { cause: errors[0] },
    )
  }
  return undefined
}

/** Credentials for accessing `ref.repository` on `ref.registry`. */
export function getCredentials(ref: RepositoryRef, opts: CredentialOptions = {}): Promise<Credentials | undefined> {
  return getCredentialsForKey(ref.repository ? `${ref.registry}/${ref.repository}` : ref.registry, opts)
}

/** `k` names registry `registry` itself, spelled differently (a URL key, or another docker.io name). */
function isOtherSpellingOfRegistry(k: string, registry: string): boolean {
  const isURL = k.startsWith('http://') || k.startsWith('https://')
  if (!isURL && k.includes('/')) return false // a namespaced key: not the registry itself
  return normalizeAuthFileKey(k, false) === normalizeRegistry(registry)
}

function namespacedHelperError(helper: string): SkiffError {
  return new SkiffError(
    'ERR_INVALID_ARGUMENT',
    `namespaced key is not supported for credential helper ${helper}: log in to the registry itself`,
  )
}

/**
 * Stores credentials for `key` where `login` would: the credential helper configured for that
 * registry (auth file `credHelpers`, else `credsStore`), else the primary auth file
 * (--authfile / $REGISTRY_AUTH_FILE / ${XDG_RUNTIME_DIR}/containers/auth.json).
 * Returns a human-readable description of where they went.
 */
export async function setCredentials(
  key: string,
  username: string,
  password: string,
  opts: CredentialOptions = {},
): Promise<string> {
  const { namespaced } = validateKey(key)
  const errors: Error[] = []
  for (const helper of helpersOf(opts)) {
    try {
      if (helper !== AUTH_FILE_HELPER) {
        if (namespaced) throw namespacedHelperError(helper)
        await helperStore(helper, { serverURL: key, username, secret: password }, { env: opts.env })
        return `credential helper: ${helper}`
      }
      const path = primaryAuthFile(opts)
      return await editAuthFile(path, async (c: AuthFileContents) => {
        const ch = c.credHelpers[key]
        if (ch !== undefined) {
          if (namespaced) throw namespacedHelperError(ch)
          await helperStore(ch, { serverURL: key, username, secret: password }, { env: opts.env })
          return { changed: false, result: `credential helper: ${ch}` }
        }
        if (c.credsStore !== undefined && !namespaced) {
          const serverURL = normalizeRegistry(key) === 'index.docker.io' ? DOCKER_HUB_LEGACY_KEY : key
          await helperStore(c.credsStore, { serverURL, username, secret: password }, { env: opts.env })
          return { changed: false, result: `credential helper: ${c.credsStore}` }
        }
        c.auths[key] = { auth: Buffer.from(`${username}:${password}`, 'utf8').toString('base64') }
        return { changed: true, result: path }
      })
    } catch (e) {
      errors.push(e as Error)
    }
  }
  if (errors.length === 1) throw errors[0]
  throw new SkiffError(
    'ERR_CONFIG_INVALID',
    `errors storing credentials for ${key}: ${errors.map((e) => e.message).join('; ')}`,
    { cause: errors[0] },
  )
}

/**
 * Removes the credentials stored for `key` (primary auth file entry, and the helper configured
 * for it). Returns false when nothing was stored ("not logged into KEY").
 */
export async function removeCredentials(key: string, opts: CredentialOptions = {}): Promise<boolean> {
  const { namespaced } = validateKey(key)
  let loggedIn = false
  const errors: Error[] = []
  const eraseFrom = async (helper: string, serverURLs: string[]): Promise<void> => {
    if (namespaced) return // helpers never hold namespaced keys
    for (const url of serverURLs) if (await helperErase(helper, url, { env: opts.env })) loggedIn = true
  }
  for (const helper of helpersOf(opts)) {
    try {
      if (helper !== AUTH_FILE_HELPER) {
        await eraseFrom(helper, [key])
        continue
      }
      await editAuthFile(primaryAuthFile(opts), async (c) => {
        const ch = c.credHelpers[key]
        if (ch !== undefined) await eraseFrom(ch, [key])
        else if (c.credsStore !== undefined) await eraseFrom(c.credsStore, helperServerURLs(key, true))
        let changed = false
        for (const k of Object.keys(c.auths)) {
          if (k === key || (!namespaced && isOtherSpellingOfRegistry(k, key))) {
            delete c.auths[k]
            changed = true
          }
        }
        if (changed) loggedIn = true
        return { changed, result: undefined }
      })
    } catch (e) {
      errors.push(e as Error)
    }
  }
  if (errors.length > 0) {
    throw errors.length === 1
      ? errors[0]
      : new SkiffError(
          'ERR_CONFIG_INVALID',
          `errors removing credentials for ${key}: ${errors.map((e) => e.message).join('; ')}`,
          { cause: errors[0] },
        )
  }
  return loggedIn
}

/**
 * `logout --all`: empties `auths` and `credHelpers` of the primary auth file (erasing what those
 * helpers hold for their registries) and erases everything the registries.conf helpers list.
 * A `credsStore` keeps its setting; only the registries the file lists are erased from it.
 */
export async function removeAllCredentials(opts: CredentialOptions = {}): Promise<void> {
  const errors: Error[] = []
  for (const helper of helpersOf(opts)) {
    try {
      if (helper !== AUTH_FILE_HELPER) {
        let listed: Record<string, string>
        try {
          listed = await helperList(helper, { env: opts.env })
        } catch (e) {
          if (e instanceof SkiffError && /not found in \$PATH/.test(e.message)) continue
          throw e
        }
        for (const url of Object.keys(listed)) await helperErase(helper, url, { env: opts.env })
        continue
      }
      await editAuthFile(primaryAuthFile(opts), async (c) => {
        for (const [registry, h] of Object.entries(c.credHelpers)) await helperErase(h, registry, { env: opts.env })
        if (c.credsStore !== undefined) {
          for (const k of Object.keys(c.auths)) {
            if (!k.includes('/') || k.includes('://')) await helperErase(c.credsStore, k, { env: opts.env })
          }
        }
        for (const k of Object.keys(c.auths)) delete c.auths[k]
        for (const k of Object.keys(c.credHelpers)) delete c.credHelpers[k]
        return { changed: true, result: undefined }
      })
    } catch (e) {
      errors.push(e as Error)
    }
  }
  if (errors.length > 0) {
    throw errors.length === 1
      ? errors[0]
      : new SkiffError(
          'ERR_CONFIG_INVALID',
          `errors removing all credentials: ${errors.map((e) => e.message).join('; ')}`,
          { cause: errors[0] },
        )
  }
}
