/**
 * Auth-file keys: `registry`, `registry/namespace…` or `registry/namespace…/repo`, matched most
 * specific first; docker.io spelled several ways; URL-shaped keys written by old `docker login`.
 * (containers/image pkg/docker/config: authKeysForKey, normalizeAuthFileKey, validateKey.)
 */
import { SkiffError } from '../../errors.js'

/** The key Docker uses for Docker Hub in config.json and in credential stores. */
export const DOCKER_HUB_LEGACY_KEY = 'https://index.docker.io/v1/'

/** docker.io, index.docker.io, registry-1.docker.io → index.docker.io (one spelling to compare). */
export function normalizeRegistry(registry: string): string {
  switch (registry) {
    case 'registry-1.docker.io':
    case 'docker.io':
    case 'index.docker.io':
      return 'index.docker.io'
    default:
      return registry
  }
}

/**
 * A file key as a registry host: `http(s)://host/path` → `host`; in the legacy format every key
 * loses its path; docker.io spellings unified.
 */
export function normalizeAuthFileKey(key: string, legacyFormat: boolean): string {
  let stripped = key
  if (stripped.startsWith('http://')) stripped = stripped.slice('http://'.length)
  else if (stripped.startsWith('https://')) stripped = stripped.slice('https://'.length)
  if (legacyFormat || stripped !== key) {
    const slash = stripped.indexOf('/')
    if (slash !== -1) stripped = stripped.slice(0, slash)
  }
  return normalizeRegistry(stripped)
}

/** `quay.io/ns/sub/image` → [quay.io/ns/sub/image, quay.io/ns/sub, quay.io/ns, quay.io]. */
export function authKeysForKey(key: string): string[] {
  const res: string[] = []
  let k = key
  for (;;) {
    res.push(k)
    const slash = k.lastIndexOf('/')
    if (slash === -1) break
    k = k.slice(0, slash)
  }
  return res
}

/** The registry (host[:port]) part of a key. */
export function registryOfKey(key: string): string {
  const slash = key.indexOf('/')
  return slash === -1 ? key : key.slice(0, slash)
}

/**
 * Checks a key (no scheme, no tag, no digest) and says whether it is namespaced
 * (has a path after the registry).
 */
export function validateKey(key: string): { namespaced: boolean } {
  if (key === '')
    throw new SkiffError('ERR_INVALID_ARGUMENT', 'credentials key is empty: name a registry, e.g. registry.example.com')
  if (key.startsWith('http://') || key.startsWith('https://')) {
    throw new SkiffError('ERR_INVALID_ARGUMENT', `key ${key} contains http[s]:// prefix`)
  }
  if (key.includes('@')) throw new SkiffError('ERR_INVALID_ARGUMENT', `key ${key} contains a '@' character`)
  const slash = key.indexOf('/')
  const namespaced = slash !== -1
  if (namespaced && key.slice(slash + 1).includes(':')) {
    throw new SkiffError('ERR_INVALID_ARGUMENT', `key ${key} contains a ':' character after host[:port]`)
  }
  return { namespaced }
}

const NAME_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/

/**
 * The argument of `login` / `logout` as a credentials key (containers/common parseCredentialsKey):
 * an `http(s)://` URL becomes its host[:port]; `registry/ns/repo` is accepted when
 * `acceptRepositories` (skopeo does), and must not carry a tag or digest.
 */
export function parseCredentialsKey(arg: string, acceptRepositories = true): { key: string; registry: string } {
  let key = arg
  if (key.startsWith('https://') || key.startsWith('http://')) {
    try {
      key = new URL(key).host
    } catch (e) {
      throw new SkiffError('ERR_INVALID_ARGUMENT', `trimming http{s} prefix of "${arg}": not a valid URL`, { cause: e })
    }
  }
  const registry = registryOfKey(key)
  if (registry === '')
    throw new SkiffError('ERR_INVALID_ARGUMENT', `"${arg}" does not name a registry: use host[:port][/namespace…]`)
  if (!acceptRepositories || registry === key) return { key: registry === key ? key : registry, registry }
  const path = key.slice(registry.length + 1)
  if (path.includes('@') || path.includes(':')) {
    throw new SkiffError(
      'ERR_INVALID_ARGUMENT',
      `reference "${key}" contains tag or digest: log in to a registry or repository name only`,
    )
  }
  if (path.split('/').some((c) => !NAME_COMPONENT.test(c))) {
    throw new SkiffError('ERR_INVALID_ARGUMENT', `parse reference from "${key}": invalid repository name "${path}"`)
  }
  return { key, registry }
}
