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
import { acquireClient, type RegistryClient, type RegistryClientOptions } from '../../registry/client.js'
import { Repository } from '../../registry/repository.js'
import { SkiffError } from '../../errors.js'
import { checkNotBlocked, isInsecure, registryAccess, loadRegistriesConf, pullSources, type PullSource, type RegistriesConf } from '../../config/registries-conf/index.js'
import type { DockerImageReference } from './reference.js'

const confs = new Map<string, Promise<RegistriesConf>>()

/** The registries.conf a TransportOptions names: --registries-conf, else $CONTAINERS_REGISTRIES_CONF, else the default lookup. */
export function registriesConfPathOf(opts: TransportOptions | undefined): string {
  return opts?.registry?.registriesConfPath || process.env.CONTAINERS_REGISTRIES_CONF || ''
}

/** registries.conf (with its drop-ins), loaded once per process per path. */
export function registriesConf(opts: TransportOptions | undefined): Promise<RegistriesConf> {
  const path = registriesConfPathOf(opts)
  let p = confs.get(path)
  if (!p) {
    p = loadRegistriesConf(path ? { confPath: path } : {})
    confs.set(path, p)
    p.catch(() => confs.delete(path))
  }
  return p
}

/** Client options for one endpoint: the flags, plus registries.conf's `insecure` and credential-helpers. */
export function clientOptions(opts: TransportOptions | undefined, insecure: boolean, conf?: RegistriesConf): RegistryClientOptions {
  const o: RegistryClientOptions = { ...(opts?.registry ?? {}) }
  delete o.registriesConfPath
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
export async function resolveDockerEndpoints(ref: DockerImageReference, opts: TransportOptions | undefined): Promise<DockerEndpoints> {
  const conf = await registriesConf(opts)
  checkNotBlocked(conf, ref.ref)
  return { pull: pullSources(conf, ref.ref), named: { reference: ref.ref, insecure: isInsecure(conf, ref.ref.name) } }
}

/** Opens `physical` (a pull endpoint or the named registry), naming errors after the user's reference. */
export async function openRepositoryAt(
  ref: DockerImageReference,
  physical: DockerReference,
  insecure: boolean,
  opts: TransportOptions | undefined,
  access: 'pull' | 'push' = 'pull',
): Promise<OpenedRepository> {
  const conf = await registriesConf(opts)
  const o = clientOptions(opts, insecure, conf)
  if (physical.domain !== ref.ref.domain) {
    // --creds / --registry-token are meant for the registry the user named, not for another host
    delete o.credentials
    delete o.bearerToken
  }
  const client = await acquireClient(physical.domain, o, access)
  return { client, repo: new Repository(client, physical.path, ref.toString(), access, opts?.retry) }
}

/**
 * The repository at the named registry, for pushes, deletes, untag and tag listing: never
 * rewritten by `location`, never a mirror (containers-registries.conf(5): redirection and mirrors
 * are for reads of images). `physical` is the reference contacted (the named one).
 */
export async function openRepository(ref: DockerImageReference, opts: TransportOptions | undefined, access: 'pull' | 'push' = 'pull'): Promise<OpenedRepository & { physical: DockerReference }> {
  const { named } = await resolveDockerEndpoints(ref, opts)
  return { ...(await openRepositoryAt(ref, named.reference, named.insecure, opts, access)), physical: named.reference }
}

/** Client options for a registry named directly (list-repos, login): registries.conf `insecure` / `blocked` apply. */
export async function registryClientOptions(registry: string, opts: TransportOptions | undefined): Promise<RegistryClientOptions> {
  const conf = await registriesConf(opts)
  const a = registryAccess(conf, registry)
  if (a.blocked) throw new SkiffError('ERR_POLICY_DENIED', `registry ${registry} is blocked in ${conf.sources.join(' or ') || 'registries.conf'}`)
  return clientOptions(opts, a.insecure, conf)
}

/** Where to pull from, mirrors first (registries.conf), after refusing blocked names. */
export async function pullCandidates(ref: DockerImageReference, opts: TransportOptions | undefined): Promise<PullSource[]> {
  return (await resolveDockerEndpoints(ref, opts)).pull
}
