/**
 * The registry calls the planner and the skip check make themselves: list a repository's tags and
 * HEAD a manifest (never a GET: a manifest GET counts as a pull). Clients are the shared,
 * reference-counted ones the transports use; the first one per registry/role is held until
 * close(), so pings, tokens and connections live for the whole sync instead of one image.
 * Options without a context use the access's own (so the held clients come from one pool).
 */
import type { RegistryClient } from '../registry/client.js'
import type { Repository } from '../registry/repository.js'
import type { TransportOptions } from '../transports/types.js'
import type { DockerImageReference } from '../transports/docker/reference.js'
import type { Digest } from '../digest/digest.js'
import { newContext, type SkiffContext } from '../registry/context.js'

export class RegistryAccess {
  private readonly held = new Set<RegistryClient>()
  private closed = false

  constructor(
    private readonly signal?: AbortSignal,
    /** The context used when a request's TransportOptions has none (default a fresh one). */
    readonly context: SkiffContext = newContext(),
  ) {}

  private inContext(opts: TransportOptions | undefined): TransportOptions {
    return opts?.context ? opts : { ...(opts ?? {}), context: this.context }
  }

  private async withRepo<T>(ref: DockerImageReference, opts: TransportOptions | undefined, role: 'pull' | 'push', fn: (repo: Repository) => Promise<T>): Promise<T> {
    const { openRepository } = await import('../transports/docker/options.js')
    const { releaseClient } = await import('../registry/client.js')
    const { client, repo } = await openRepository(ref, this.inContext(opts), role)
    const keep = !this.closed && !this.held.has(client)
    if (keep) this.held.add(client)
    try {
      return await fn(repo)
    } finally {
      if (!keep) await releaseClient(client)
    }
  }

  /** Every tag of the reference's repository (paginated), from the named registry (never a mirror or rewrite, as skopeo). */
  listTags(ref: DockerImageReference, opts: TransportOptions | undefined): Promise<string[]> {
    return this.withRepo(ref, opts, 'pull', (repo) => repo.listTags(this.signal ? { signal: this.signal } : {}))
  }

  /**
   * HEAD of the reference's manifest (by its digest or tag): undefined when it does not exist.
   * `role` 'push' uses the client (and token) a copy to this repository will use.
   */
  headManifest(ref: DockerImageReference, opts: TransportOptions | undefined, role: 'pull' | 'push'): Promise<{ digest?: Digest; mediaType: string } | undefined> {
    const r = ref.ref
    const head = (repo: Repository) => repo.headManifest(r.digest ?? r.tag ?? 'latest', this.signal)
    if (role === 'push') return this.withRepo(ref, opts, role, head)
    return this.headAtPullSources(ref, opts, head)
  }

  /**
   * A source's HEAD goes where a copy would read it: the registries.conf pull endpoints in order
   * (mirrors, then the primary location); the first that has it answers.
   */
  private async headAtPullSources<T>(ref: DockerImageReference, options: TransportOptions | undefined, head: (repo: Repository) => Promise<T | undefined>): Promise<T | undefined> {
    const { pullCandidates, openRepositoryAt } = await import('../transports/docker/options.js')
    const opts = this.inContext(options)
    const { releaseClient } = await import('../registry/client.js')
    const sources = (await pullCandidates(ref, opts)).filter((s) => !s.blocked)
    let failure: unknown
    for (const s of sources) {
      const { client, repo } = await openRepositoryAt(ref, s.reference, s.insecure, opts, 'pull')
      const keep = !this.closed && !this.held.has(client)
      if (keep) this.held.add(client)
      try {
        const found = await head(repo)
        if (found !== undefined) return found
      } catch (e) {
        if (this.signal?.aborted || sources.length === 1) throw e
        failure ??= e
      } finally {
        if (!keep) await releaseClient(client)
      }
    }
    if (failure !== undefined) throw failure
    return undefined
  }

  async close(): Promise<void> {
    this.closed = true
    const { releaseClient } = await import('../registry/client.js')
    const held = [...this.held]
    this.held.clear()
    await Promise.all(held.map((c) => releaseClient(c).catch(() => {})))
  }
}
