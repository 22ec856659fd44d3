/** The tags of a registry repository (`skiff list-tags docker://REPO`): GET /v2/<name>/tags/list, every page. */
import { InvalidReferenceError } from '../../errors.js'
import { parseNormalizedReference, type DockerReference } from '../../reference/docker-reference.js'
import { releaseClient } from '../../registry/client.js'
import { Repository } from '../../registry/repository.js'
import type { TransportOptions } from '../types.js'
import { openRepository } from './options.js'
import { DockerImageReference } from './reference.js'
import { dockerTransport } from './transport.js'

/**
 * Every tag of `repository` (`host/name`, `name` for Docker Hub, or a parsed name without tag or
 * digest), from the named registry (never a mirror). A repository that does not exist →
 * ImageNotFoundError.
 */
export async function listRepositoryTags(
  repository: string | DockerReference,
  opts: TransportOptions = {},
): Promise<string[]> {
  const named = typeof repository === 'string' ? parseNormalizedReference(repository) : repository
  if (!named.isNameOnly())
    throw new InvalidReferenceError(`${named.toString()}: a repository has no tag or digest (e.g. ${named.name})`)
  const ref = new DockerImageReference(dockerTransport, named.tagNameOnly())
  const { client, physical } = await openRepository(ref, opts)
  try {
    const repo = new Repository(client, physical.path, `docker://${named.name}`, 'pull', opts.retry)
    return await repo.listTags(opts.signal ? { signal: opts.signal } : {})
  } finally {
    await releaseClient(client)
  }
}
