/** `skiff list-repos REGISTRY`: the repositories of a registry (GET /v2/_catalog, paginated). */
import type { TransportOptions } from '../types.js'
import { releaseClient } from '../../registry/client.js'
import { listPaginated } from '../../registry/paginate.js'
import { acquireRegistryClient } from './options.js'

export async function listRepositories(
  registry: string,
  opts: TransportOptions & { pageSize?: number } = {},
): Promise<string[]> {
  const client = await acquireRegistryClient(registry, opts)
  try {
    const path = `/v2/_catalog${opts.pageSize ? `?n=${opts.pageSize}` : ''}`
    return await listPaginated(client, path, 'repositories', {
      scopes: ['registry:catalog:*'],
      image: registry,
      what: 'listing repositories',
      notFound: 'other',
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.retry ? { retry: opts.retry } : {}),
    })
  } finally {
    await releaseClient(client)
  }
}
