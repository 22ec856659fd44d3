/**
 * The vocabulary of sync's kinds: a SyncSource per `--src` kind (what SOURCE contains, as raw
 * items) and a SyncDestination per `--dest` kind (how an image is named below DESTINATION). The
 * kind modules beside this file are the only part of sync that knows a transport's layout; the
 * planner, naming and the skip check work through these interfaces and the transport contract.
 */
import type { ImageReference, TransportOptions } from '../../transports/types.js'
import type { RegistryAccess } from '../registry-access.js'
import type { PlanOptions, SyncSourceSpec } from '../types.js'

/** The suffix a source item contributes: scoped (full) and unscoped (default: its last element). */
export interface SuffixPair {
  scoped: string
  /** Defaults to goPathBase(scoped). The image-list and registry-storage sources keep the repository path. */
  unscoped?: string
  /**
   * The repository path without a registry host, plus `:tag` / `@digest` (`kubesphere/app:v1`): what
   * a destination that keeps paths (registry-storage) is named by without --scoped. Defaults to `unscoped`.
   */
  path?: string
}

/** One image a source contains, before filtering and naming. */
export interface RawItem {
  source: ImageReference
  suffix: SuffixPair
  /** The tag the include/exclude filters look at (none for images named by digest). */
  tag?: string
  /** The source group (repository, directory, layout) it was found in. */
  group: string
  /** Source access for this item when it differs from the spec's (yaml: per-registry settings). */
  sourceOptions?: TransportOptions
}

export interface SourceContext {
  access: RegistryAccess
  plan: PlanOptions
}

/** A `--src` kind. */
export interface SyncSource {
  /**
   * Every image SOURCE holds, in skopeo's order, lazily. Fails (before anything is copied) when
   * SOURCE cannot be read or holds nothing; problems that skip a part go to ctx.plan.onWarning.
   */
  items(spec: SyncSourceSpec, ctx: SourceContext): AsyncGenerator<RawItem>
}

/** Where one destination image goes: DESTINATION, the chosen suffix and --append-suffix. */
export interface DestinationName {
  /** The DESTINATION argument. */
  target: string
  /** The suffix chosen for the item (scoped or not). */
  suffix: string
  appendSuffix: string
  /** Go's path.Join(target, suffix) + appendSuffix: the name for kinds that nest below DESTINATION. */
  joined: string
  /** The suffix cleaned (no leading '/', '.' when empty) + appendSuffix: the image's name inside a store. */
  label: string
}

/** A `--dest` kind. */
export interface SyncDestination {
  /** Whether names keep the source's repository path without --scoped (a store is a registry: paths matter). */
  readonly keepsPath: boolean
  /** The destination image; throws InvalidReferenceError naming DESTINATION and the suffix. */
  reference(name: DestinationName): ImageReference
}
