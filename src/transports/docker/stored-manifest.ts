/**
 * DockerRef.storedManifest: a HEAD of the reference's manifest (by its digest or tag),
 * never a GET (a manifest GET counts as a pull). 'push' asks the named registry with the client a
 * push to this repository uses; 'pull' asks where a copy would read it — the registries.conf pull
 * endpoints in order (mirrors, then the primary location), the first that has it answering.
 */
import type { Digest } from '../../digest/digest.js'
import { releaseClient, type RegistryClient } from '../../registry/client.js'
import type { Repository } from '../../registry/repository.js'
import type { StoredManifest, StoredManifestQuery, TransportOptions } from '../types.js'
import { openRepository, openRepositoryAt, pullCandidates, withContext } from './options.js'
import type { DockerRef } from './types.js'

type Head = (repo: Repository) => Promise<{ digest?: Digest; mediaType: string } | undefined>

/** Releases `client` unless the query's holder keeps it for later queries. */
async function done(client: RegistryClient, query: StoredManifestQuery): Promise<void> {
  if (!query.holder?.keep(client, () => releaseClient(client))) await releaseClient(client)
}

async function headAtNamed(ref: DockerRef, opts: TransportOptions | undefined, query: StoredManifestQuery, head: Head) {
  const { client, repo } = await openRepository(ref, opts, 'push')
  try {
    return await head(repo)
  } finally {
    await done(client, query)
  }
}

async function headAtPullSources(
  ref: DockerRef,
  opts: TransportOptions | undefined,
  query: StoredManifestQuery,
  head: Head,
) {
  const sources = (await pullCandidates(ref, opts)).filter((s) => !s.blocked)
  let failure: unknown
  for (const s of sources) {
    const { client, repo } = await openRepositoryAt(ref, s.reference, s.insecure, opts, 'pull')
    try {
      const found = await head(repo)
      if (found !== undefined) return found
    } catch (e) {
      if (query.signal?.aborted || sources.length === 1) throw e
      failure ??= e
    } finally {
      await done(client, query)
    }
  }
  if (failure !== undefined) throw failure
  return undefined
}

export async function dockerStoredManifest(
  ref: DockerRef,
  options: TransportOptions | undefined,
  query: StoredManifestQuery,
): Promise<StoredManifest | undefined> {
  const opts = withContext(options) // one context for every endpoint asked
  const r = ref.ref
  const head: Head = (repo) => repo.headManifest(r.digest ?? r.tag ?? 'latest', query.signal)
  const h =
    query.role === 'push' ? await headAtNamed(ref, opts, query, head) : await headAtPullSources(ref, opts, query, head)
  if (!h) return undefined
  const digest = h.digest ?? (query.role === 'pull' ? r.digest : undefined)
  return { ...(digest ? { digest } : {}), mediaType: h.mediaType }
}
