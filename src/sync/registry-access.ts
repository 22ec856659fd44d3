/**
 * The registry calls the planner and the skip check make themselves: list a repository's tags and
 * HEAD a manifest (never a GET: a manifest GET counts as a pull). Clients are the shared,
 * reference-counted ones the transports use; the first one per registry/role is held until
 * close(), so pings, tokens and connections live for the whole sync instead of one image.
 */
import type { RegistryClient } from '../registry/client.js'
import type { Repository } from '../registry/repository.js'
import type { TransportOptions } from '../transports/types.js'
import type { DockerImageReference } from '../transports/docker/reference.js'
import type { Digest } from '../digest/digest.js'

export class RegistryAccess {
  private readonly held = new Set<RegistryClient>()
  private closed = false

  constructor(private readonly signal?: AbortSignal) {}

  private async withRepo<T>(ref: DockerImageReference, opts: TransportOptions | undefined, role: 'pull' | 'push', fn: (repo: Repository) => Promise<T>): Promise<T> {
    const { openRepository } = await import('../transports/docker/options.js')
    const { releaseClient } = await import('../registry/client.js')
    const { client, repo } = await openRepository(ref, opts, role)
    const keep = !this.closed && !this.held.has(client)
    if (keep) this.held.add(client)
    try {
      return await fn(repo)
    } finally {
      if (!keep) await releaseClient(client)
    }
  }

  /** Every tag of the reference's repository (paginated). */
  listTags(ref: DockerImageReference, opts: TransportOptions | undefined): Promise<string[]> {
    return this.withRepo(ref, opts, 'pull', (repo) => repo.listTags(this.signal ? { signal: this.signal } : {}))
  }

  /**
   * HEAD of the reference's manifest (by its digest or tag): undefined when it does not exist.
   * `role` 'push' uses the client (and token) a copy to this repository will use.
   */
  headManifest(ref: DockerImageReference, opts: TransportOptions | undefined, role: 'pull' | 'push'): Promise<{ digest?: Digest; mediaType: string } | undefined> {
    const r = ref.ref
    return this.withRepo(ref, opts, role, (repo) => repo.headManifest(r.digest ?? r.tag ?? 'latest', this.signal))
  }

  async close(): Promise<void> {
    this.closed = true
    const { releaseClient } = await import('../registry/client.js')
    const held = [...this.held]
    this.held.clear()
    await Promise.all(held.map((c) => releaseClient(c).catch(() => {})))
  }
}
