/**
 * The registry session of one sync: the planner lists repositories' tags through it, and the skip
 * check's HEADs (ImageReference.storedManifest) hand it their clients (it is their ResourceHolder).
 * Clients are the shared, reference-counted ones the transports use; the first one per
 * registry/role is held until close(), so pings, tokens and connections live for the whole sync
 * instead of one image. Options without a context use the access's own (so the held clients come
 * from one pool).
 */
import type { Repository } from '../registry/repository.js'
import type { ResourceHolder, TransportOptions } from '../transports/types.js'
import type { DockerImageReference } from '../transports/docker/reference.js'
import { newContext, type SkiffContext } from '../registry/context.js'

export class RegistryAccess implements ResourceHolder {
  private readonly held = new Map<object, () => Promise<void>>()
  private closed = false

  constructor(
    readonly signal?: AbortSignal,
    /** The context used when a request's TransportOptions has none (default a fresh one). */
    readonly context: SkiffContext = newContext(),
  ) {}

  /** `opts` with this access's context unless it names its own. */
  inContext(opts: TransportOptions | undefined): TransportOptions {
    return opts?.context ? opts : { ...(opts ?? {}), context: this.context }
  }

  /** ResourceHolder: keeps the first of each resource until close(); declines after close(). */
  keep(resource: object, release: () => Promise<void>): boolean {
    if (this.closed || this.held.has(resource)) return false
    this.held.set(resource, release)
    return true
  }

  private async withRepo<T>(
    ref: DockerImageReference,
    opts: TransportOptions | undefined,
    role: 'pull' | 'push',
    fn: (repo: Repository) => Promise<T>,
  ): Promise<T> {
    const { openRepository } = await import('../transports/docker/options.js')
    const { releaseClient } = await import('../registry/client.js')
    const { client, repo } = await openRepository(ref, this.inContext(opts), role)
    const release = (): Promise<void> => releaseClient(client)
    const kept = this.keep(client, release)
    try {
      return await fn(repo)
    } finally {
      if (!kept) await release()
    }
  }

  /** Every tag of the reference's repository (paginated), from the named registry (never a mirror or rewrite, as skopeo). */
  listTags(ref: DockerImageReference, opts: TransportOptions | undefined): Promise<string[]> {
    return this.withRepo(ref, opts, 'pull', (repo) => repo.listTags(this.signal ? { signal: this.signal } : {}))
  }

  async close(): Promise<void> {
    this.closed = true
    const held = [...this.held.values()]
    this.held.clear()
    await Promise.all(held.map((release) => release().catch(() => {})))
  }
}
