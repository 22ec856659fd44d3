/**
 * The registry side of list-tags, list-repos and untag: their arguments parsed as skopeo does, and the
 * library's operations; loaded only when a docker:// reference or a registry is named (the HTTP
 * client stays unloaded for local transports).
 */
import { InvalidReferenceError, SkiffError } from '../../errors.js'
import { parseNormalizedReference, type DockerReference } from '../../reference/docker-reference.js'
import { listRepositories, listRepositoryTags, untag } from '../../transports/docker/index.js'

/** `//host/repo` (what follows `docker:`) as a repository name; a tag or digest is refused, as skopeo. */
export function parseDockerRepository(details: string): DockerReference {
  if (!details.startsWith('//')) {
    throw new InvalidReferenceError(
      `docker: image reference "${details}" does not start with "//" (write docker://${details.replace(/^\/*/, '')})`,
    )
  }
  const named = parseNormalizedReference(details.slice(2))
  if (!named.isNameOnly()) {
    throw new InvalidReferenceError(
      `No tag or digest allowed in reference: docker:${details} (list-tags takes a repository, e.g. docker://${named.name})`,
    )
  }
  return named
}

/** `list-repos`' argument: `host[:port]`, optionally written `docker://host[:port]`. */
export function parseRegistryName(arg: string): string {
  let r = arg.startsWith('docker://') ? arg.slice('docker://'.length) : arg
  if (/^https?:\/\//.test(r)) {
    try {
      r = new URL(r).host
    } catch {
      throw new SkiffError('ERR_INVALID_ARGUMENT', `"${arg}" is not a valid registry URL: use host[:port]`)
    }
  }
  r = r.replace(/\/+$/, '')
  if (r === '' || r.includes('/') || /\s/.test(r)) {
    throw new SkiffError(
      'ERR_INVALID_ARGUMENT',
      `"${arg}" does not name a registry: use host[:port] (e.g. registry.example.com:5000)`,
    )
  }
  return r === 'docker.io' || r === 'index.docker.io' ? 'docker.io' : r
}

export { listRepositories, listRepositoryTags, untag }
