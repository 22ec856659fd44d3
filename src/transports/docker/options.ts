/**
 * From a docker:// reference and TransportOptions to the repository actually contacted:
 * registries.conf (blocked, `location` rewrites, `insecure`, mirrors for pulls) decides, and
 * --tls-verify, when given, wins over `insecure`.
 */
import type { TransportOptions } from '../types.js'
import type { DockerReference } from '../../reference/docker-reference.js'
import { acquireClient, type RegistryClient, type RegistryClientOptions } from '../../registry/client.js'
import { Repository } from '../../registry/repository.js'
import { SkiffError } from '../../errors.js'
import { checkNotBlocked, isInsecure, registryAccess, loadRegistriesConf, pullSources, rewriteReference, type PullSource, type RegistriesConf } from '../../config/registries-conf/index.js'
import type { DockerImageReference } from './reference.js'

const confs = new Map<string, Promise<RegistriesConf>>()

/** registries.conf, loaded once per process per path. */
export function registriesConf(opts: TransportOptions | undefined): Promise<RegistriesConf> {
  const path = opts?.registry?.registriesConfPath ?? process.env.CONTAINERS_REGISTRIES_CONF ?? ''
  let p = confs.get(path)
  if (!p) {
    p = loadRegistriesConf(path ? { confPath: path } : {})
    confs.set(path, p)
    p.catch(() => confs.delete(path))
  }
  return p
}

export function clientOptions(opts: TransportOptions | undefined, insecure: boolean): RegistryClientOptions {
  const o: RegistryClientOptions = { ...(opts?.registry ?? {}) }
  delete o.registriesConfPath
  if (o.tlsVerify === undefined && insecure) o.tlsVerify = false
  return o
}

export interface OpenedRepository {
  client: RegistryClient
  repo: Repository
}

/** Opens `physical` (the reference after rewrites), naming errors after the user's reference. */
export async function openRepositoryAt(
  ref: DockerImageReference,
  physical: DockerReference,
  insecure: boolean,
  opts: TransportOptions | undefined,
  access: 'pull' | 'push' = 'pull',
): Promise<OpenedRepository> {
  const client = await acquireClient(physical.domain, clientOptions(opts, insecure), access)
  return { client, repo: new Repository(client, physical.path, ref.toString(), access) }
}

/** The repository for pushes, deletes and tag listing: the primary location, never a mirror. */
export async function openRepository(ref: DockerImageReference, opts: TransportOptions | undefined, access: 'pull' | 'push' = 'pull'): Promise<OpenedRepository & { physical: DockerReference }> {
  const conf = await registriesConf(opts)
  checkNotBlocked(conf, ref.ref)
  const physical = rewriteReference(conf, ref.ref)
  return { ...(await openRepositoryAt(ref, physical, isInsecure(conf, physical.name), opts, access)), physical }
}

/** Client options for a registry named directly (list-repos): registries.conf `insecure` / `blocked` apply. */
export async function registryClientOptions(registry: string, opts: TransportOptions | undefined): Promise<RegistryClientOptions> {
  const conf = await registriesConf(opts)
  const a = registryAccess(conf, registry)
  if (a.blocked) throw new SkiffError('ERR_POLICY_DENIED', `registry ${registry} is blocked in ${conf.sources.join(' or ') || 'registries.conf'}`)
  return clientOptions(opts, a.insecure)
}

/** Where to pull from, mirrors first (registries.conf), after refusing blocked names. */
export async function pullCandidates(ref: DockerImageReference, opts: TransportOptions | undefined): Promise<PullSource[]> {
  const conf = await registriesConf(opts)
  checkNotBlocked(conf, ref.ref)
  return pullSources(conf, ref.ref)
}
