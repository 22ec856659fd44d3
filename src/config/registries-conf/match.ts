/**
 * Using the configuration for one image (containers/image sysregistriesv2 FindRegistry,
 * refMatchingPrefix, PullSourcesFromReference; docker/docker_image_src.go):
 * the [[registry]] with the longest matching prefix decides blocked / insecure / mirrors / location.
 */
import { InvalidReferenceError, SkiffError } from '../../errors.js'
import { type DockerReference, parseNormalizedReference } from '../../reference/docker-reference.js'
import type { Endpoint, RegistriesConf, RegistryEntry } from './types.js'

/** `*.example.com` matches any subdomain depth, up to the end of the host. Returns the match end, or -1. */
function refMatchingSubdomainPrefix(ref: string, prefix: string): number {
  const suffix = prefix.slice(1) // ".example.com"
  let index = ref.indexOf(suffix)
  if (index === -1) return -1
  if (ref.slice(0, index).includes('/')) return -1
  index += suffix.length
  if (index === ref.length) return index
  return ref[index] === ':' || ref[index] === '/' || ref[index] === '@' ? index : -1
}

/**
 * Length of the part of `ref` (a registry, namespace, repository or full reference with explicit
 * host) matched by `prefix`, or -1. The match must end at a ':' '/' '@' boundary or the end.
 */
export function refMatchingPrefix(ref: string, prefix: string): number {
  if (prefix.startsWith('*.')) return refMatchingSubdomainPrefix(ref, prefix)
  if (ref.length < prefix.length) return -1
  if (ref.length === prefix.length) return ref === prefix ? prefix.length : -1
  if (!ref.startsWith(prefix)) return -1
  const c = ref[prefix.length]
  return c === ':' || c === '/' || c === '@' ? prefix.length : -1
}

/** The [[registry]] whose prefix matches `ref` (string, with explicit host) the longest, if any. */
export function findRegistry(conf: RegistriesConf, ref: string): RegistryEntry | undefined {
  let best: RegistryEntry | undefined
  for (const r of conf.registries) {
    if (refMatchingPrefix(ref, r.prefix) !== -1 && (best === undefined || r.prefix.length > best.prefix.length))
      best = r
  }
  return best
}

/** `ref` as read from `endpoint`: the matched prefix replaced by the endpoint's location. */
export function rewriteForEndpoint(ref: DockerReference, prefix: string, endpoint: Endpoint): DockerReference {
  const s = ref.toString()
  const n = refMatchingPrefix(s, prefix)
  if (n === -1) throw new InvalidReferenceError(`invalid prefix '${prefix}' for reference '${s}'`)
  if (endpoint.location === '') {
    if (!prefix.startsWith('*.'))
      throw new InvalidReferenceError(
        `invalid prefix '${prefix}' for empty location, should be in the format: *.example.com`,
      )
    return ref
  }
  const rewritten = endpoint.location + s.slice(n)
  try {
    return parseNormalizedReference(rewritten)
  } catch (e) {
    throw new InvalidReferenceError(
      `rewriting reference "${s}" to "${rewritten}" (registries.conf location "${endpoint.location}"): ${(e as Error).message}`,
      { cause: e },
    )
  }
}

export interface PullSource {
  /** Where to read from: the rewritten reference (its domain is the host to contact). */
  reference: DockerReference
  endpoint: Endpoint
  /** True for a mirror, false for the primary location. */
  mirror: boolean
  /**
   * Plain HTTP / unverified TLS allowed for this source: the endpoint's own `insecure` (the
   * [[registry]]'s for the primary location, the [[registry.mirror]]'s for a mirror). The
   * `insecure` of another [[registry]] that the rewritten name happens to match does not apply
   * (containers/image sets InsecureSkipVerify from the endpoint; skopeo 1.9.3 then requires TLS).
   * --tls-verify, when given, overrides this.
   */
  insecure: boolean
  /** The [[registry]] matching the rewritten reference is blocked: skip this source with an error. */
  blocked: boolean
}

function source(conf: RegistriesConf, reference: DockerReference, endpoint: Endpoint, mirror: boolean): PullSource {
  const physical = findRegistry(conf, reference.name)
  return { reference, endpoint, mirror, insecure: endpoint.insecure, blocked: physical?.blocked === true }
}

/**
 * Where to pull `ref` from, in order: the mirrors allowed for this kind of reference (by digest /
 * by tag), then the primary location. An unconfigured registry is just itself.
 * Call checkNotBlocked(conf, ref) first: this list does not refuse blocked names itself.
 */
export function pullSources(conf: RegistriesConf, ref: DockerReference): PullSource[] {
  const reg = findRegistry(conf, ref.name)
  if (reg === undefined) return [source(conf, ref, { location: ref.domain, insecure: false }, false)]
  const digested = ref.digest !== undefined
  const mirrors: Endpoint[] = []
  if (reg.mirrorByDigestOnly) {
    if (digested) mirrors.push(...reg.mirrors)
  } else {
    for (const m of reg.mirrors) {
      if (m.pullFromMirror === 'digest-only' && !digested) continue
      if (m.pullFromMirror === 'tag-only' && digested) continue
      mirrors.push(m)
    }
  }
  const primary: Endpoint = { location: reg.location, insecure: reg.insecure }
  return [
    ...mirrors.map((m) => source(conf, rewriteForEndpoint(ref, reg.prefix, m), m, true)),
    source(conf, rewriteForEndpoint(ref, reg.prefix, primary), primary, false),
  ]
}

/** `ref` at its primary location (the `location` rewrite, no mirrors). */
export function rewriteReference(conf: RegistriesConf, ref: DockerReference): DockerReference {
  const reg = findRegistry(conf, ref.name)
  return reg === undefined
    ? ref
    : rewriteForEndpoint(ref, reg.prefix, { location: reg.location, insecure: reg.insecure })
}

/** registries.conf blocks `ref` (its [[registry]] says `blocked = true`). */
export function isBlocked(conf: RegistriesConf, ref: DockerReference): boolean {
  return findRegistry(conf, ref.name)?.blocked === true
}

/**
 * Throws (ERR_POLICY_DENIED) when registries.conf blocks `ref`. Applies to every access — pull,
 * push, inspect, delete, list-tags — as containers/image refuses to create a client for it.
 * For pulls, also skip (with this error) each PullSource whose `blocked` is true.
 */
export function checkNotBlocked(conf: RegistriesConf, ref: DockerReference): void {
  const reg = findRegistry(conf, ref.name)
  if (reg?.blocked) {
    const where = conf.sources.length > 0 ? conf.sources.join(' or ') : 'registries.conf'
    throw new SkiffError(
      'ERR_POLICY_DENIED',
      `registry ${reg.prefix} is blocked in ${where}: docker://${ref.toString()} cannot be accessed`,
      { image: `docker://${ref.toString()}` },
    )
  }
}

/**
 * registries.conf for a direct access (push, delete, list-tags, login to `name` = host[:port]):
 * whether plain HTTP / unverified TLS is allowed, and whether the name is blocked.
 * --tls-verify, when given, wins over `insecure`.
 */
export function registryAccess(conf: RegistriesConf, name: string): { insecure: boolean; blocked: boolean } {
  const reg = findRegistry(conf, name)
  return { insecure: reg?.insecure === true, blocked: reg?.blocked === true }
}

/** Whether plain HTTP / unverified TLS is allowed for `name` (a host[:port] or a reference name). */
export function isInsecure(conf: RegistriesConf, name: string): boolean {
  return findRegistry(conf, name)?.insecure === true
}
