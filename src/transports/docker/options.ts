/**
 * From a docker:// reference and TransportOptions to the registry actually contacted — the one
 * resolution path every command uses (copy, inspect, list-tags, sync, delete, untag), as
 * containers/image does it:
 *
 * - reads of manifests and blobs (copy/sync sources, inspect, the sync skip check's source HEAD)
 *   go to the pull endpoints: the [[registry.mirror]]s allowed for the reference (pull-from-mirror,
 *   mirror-by-digest-only), then the primary `location` (the rewrite); each with its own
 *   `insecure`, and skipped when the [[registry]] its rewritten name matches is `blocked`;
 * - everything else goes to the named registry, never rewritten and never a mirror: pushes,
 *   deletes, untag, tag lists (list-tags, inspect's RepoTags, sync's tag listing), with the
 *   `insecure` of the [[registry]] matching the name.
 *
 * A name whose [[registry]] is `blocked` is refused for every access. --tls-verify, when given,
 * wins over `insecure`. --creds / --registry-token are sent only to the named registry's host,
 * never to a mirror or rewrite on another host (stored credentials are looked up per host).
 */
import type { TransportOptions } from '../types.js'
import type { DockerReference } from '../../reference/docker-reference.js'
import type { RegistryClient, RegistryClientOptions } from '../../registry/client.js'
import { newContext, type SkiffContext } from '../../registry/context.js'
import { Repository } from '../../registry/repository.js'
import { SkiffError } from '../../errors.js'
import {
  checkNotBlocked,
  isInsecure,
  registryAccess,
  pullSources,
  type PullSource,
  type RegistriesConf,
} from '../../config/registries-conf/index.js'
import type { DockerRef } from './types.js'

/**
 * The context `opts` names. Without one a fresh context (a caller that does several steps calls
 * withContext first, so they share it): its clients are released by whoever acquired them, so a
 * context nobody closes leaves nothing open.
 */
export function contextOf(opts: TransportOptions | undefined): SkiffContext {
  return opts?.context ?? newContext()
}

/** `opts` with a context (a fresh one when it has none), for an operation of several steps. */
export function withContext(opts: TransportOptions | undefined): TransportOptions & { context: SkiffContext } {
  return opts?.context
    ? (opts as TransportOptions & { context: SkiffContext })
    : { ...(opts ?? {}), context: newContext() }
}

/**
 * registries.conf (with its drop-ins) as `opts` names it: --registries-conf, else
 * $CONTAINERS_REGISTRIES_CONF, else the default lookup; loaded once per context per path.
 */
export function registriesConf(opts: TransportOptions | undefined): Promise<RegistriesConf> {
  return contextOf(opts).registriesConf(opts?.registry?.registriesConfPath)
}

/** Client options for one endpoint: the flags, plus registries.conf's `insecure` and credential-helpers. */
export function clientOptions(
  opts: TransportOptions | undefined,
  insecure: boolean,
  conf?: RegistriesConf,
): RegistryClientOptions {
  const o: RegistryClientOptions = { ...(opts?.registry ?? {}) }
  delete o.registriesConfPath
  delete o.registriesDirPath
  if (o.tlsVerify === undefined && insecure) o.tlsVerify = false
  if (conf) o.credentialHelpers = conf.credentialHelpers
  return o
}

export interface OpenedRepository {
  client: RegistryClient
  repo: Repository
}

/** The named registry: what pushes, deletes and tag lists use (no rewrite, no mirror). */
export interface NamedEndpoint {
  reference: DockerReference
  insecure: boolean
}

/** Where a docker:// reference is read from and where it is written, per registries.conf. */
export interface DockerEndpoints {
  /** Reads, in order: allowed mirrors, then the primary location. */
  pull: PullSource[]
  /** Writes, deletes, tag lists. */
  named: NamedEndpoint
}

/** Resolves `ref` against registries.conf; throws ERR_POLICY_DENIED when its name is blocked. */
export async function resolveDockerEndpoints(
  ref: DockerRef,
  opts: TransportOptions | undefined,
): Promise<DockerEndpoints> {
  const conf = await registriesConf(opts)
  checkNotBlocked(conf, ref.ref)
  return { pull: pullSources(conf, ref.ref), named: { reference: ref.ref, insecure: isInsecure(conf, ref.ref.name) } }
}

/** Opens `physical` (a pull endpoint or the named registry), naming errors after the user's reference. */
export async function openRepositoryAt(
  ref: DockerRef,
  physical: DockerReference,
  insecure: boolean,
  opts: TransportOptions | undefined,
  access: 'pull' | 'push' = 'pull',
): Promise<OpenedRepository> {
  const context = contextOf(opts)
  const conf = await context.registriesConf(opts?.registry?.registriesConfPath)
  const o = clientOptions(opts, insecure, conf)
  if (physical.domain !== ref.ref.domain) {
    // --creds / --registry-token are meant for the registry the user named, not for another host
    delete o.credentials
    delete o.bearerToken
  }
  const client = await (await context.clients()).acquire(physical.domain, o, access)
  return { client, repo: new Repository(client, physical.path, ref.toString(), access, opts?.retry) }
}

/**
 * The repository at the named registry, for pushes, deletes, untag and tag listing: never
 * rewritten by `location`, never a mirror (containers-registries.conf(5): redirection and mirrors
 * are for reads of images). `physical` is the reference contacted (the named one).
 */
export async function openRepository(
  ref: DockerRef,
  options: TransportOptions | undefined,
  access: 'pull' | 'push' = 'pull',
): Promise<OpenedRepository & { physical: DockerReference }> {
  const opts = withContext(options)
  const { named } = await resolveDockerEndpoints(ref, opts)
  return { ...(await openRepositoryAt(ref, named.reference, named.insecure, opts, access)), physical: named.reference }
}

/** A pooled client of `opts`'s context for a registry named directly (list-repos): see registryClientOptions. */
export async function acquireRegistryClient(
  registry: string,
  opts: TransportOptions | undefined,
): Promise<RegistryClient> {
  const context = contextOf(opts)
  return (await context.clients()).acquire(registry, await registryClientOptions(registry, { ...opts, context }))
}

/** Client options for a registry named directly (list-repos, login): registries.conf `insecure` / `blocked` apply. */
export async function registryClientOptions(
  registry: string,
  opts: TransportOptions | undefined,
): Promise<RegistryClientOptions> {
  const conf = await registriesConf(opts)
  const a = registryAccess(conf, registry)
  if (a.blocked)
    throw new SkiffError(
      'ERR_POLICY_DENIED',
      `registry ${registry} is blocked in ${conf.sources.join(' or ') || 'registries.conf'}`,
    )
  return clientOptions(opts, a.insecure, conf)
}

/** Where to pull from, mirrors first (registries.conf), after refusing blocked names. */
export async function pullCandidates(ref: DockerRef, opts: TransportOptions | undefined): Promise<PullSource[]> {
  return (await resolveDockerEndpoints(ref, opts)).pull
}
