/**
 * The registry of sync's kinds: one SyncSource per `--src` kind, one SyncDestination per `--dest`
 * kind (a new kind is one module here and one line in each table, and its name in kinds.ts).
 */
import type { CopyOptions } from '../../copy/options.js'
import type { SyncBatch, SyncDestKind, SyncDestSpec, SyncSourceKind, SyncSourceSpec } from '../types.js'
import { storeSelectBatch } from './registry-storage-batch.js'
import { bundleBatch } from './bundle-batch.js'
import { bundleDestination, bundleSource } from './registry-storage-archive.js'
import { dirDestination, dirSource } from './dir.js'
import { dockerDestination, dockerSource } from './docker.js'
import { listSource } from './list.js'
import { ociDestination, ociSource } from './oci.js'
import { registryStorageDestination, registryStorageSource } from './registry-storage.js'
import type { RawItem, SourceContext, SyncDestination, SyncSource } from './types.js'
import { yamlSource } from './yaml.js'

export const SYNC_SOURCES: Readonly<Record<SyncSourceKind, SyncSource>> = {
  docker: dockerSource,
  dir: dirSource,
  oci: ociSource,
  yaml: yamlSource,
  list: listSource,
  'registry-storage': registryStorageSource,
  'registry-storage-archive': bundleSource,
}

export const SYNC_DESTINATIONS: Readonly<Record<SyncDestKind, SyncDestination>> = {
  docker: dockerDestination,
  dir: dirDestination,
  oci: ociDestination,
  'registry-storage': registryStorageDestination,
  'registry-storage-archive': bundleDestination,
}

/** What `spec` contains, as raw items in skopeo's order (see each kind's module). */
export function sourceItems(spec: SyncSourceSpec, ctx: SourceContext): AsyncGenerator<RawItem> {
  return SYNC_SOURCES[spec.kind].items(spec, ctx)
}

/**
 * The batch that copies `source` → `destination` without the engine, when the pair has one
 * (registry-storage → registry-storage: hardlinks; → registry-storage-archive: one tar); undefined
 * otherwise.
 */
export function syncBatch(
  source: SyncSourceSpec,
  destination: SyncDestSpec,
  copy: Pick<CopyOptions, 'format' | 'compression' | 'multiArch'>,
): SyncBatch | undefined {
  if (source.kind === 'registry-storage' && destination.kind === 'registry-storage') return storeSelectBatch(copy)
  if (destination.kind === 'registry-storage-archive') return bundleBatch(copy)
  return undefined
}
