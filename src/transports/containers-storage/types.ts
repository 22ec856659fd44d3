/**
 * The types the containers-storage modules share: the reference as its source, destination and
 * store model see it (so none of them imports the reference class that loads them), and the store's
 * records as `containers-storage images --json` / `layers --json` print them.
 */
import type { DockerReference } from '../../reference/docker-reference.js'
import type { ImageReference } from '../types.js'
import type { Store } from './store-spec.js'

export interface StorageRef extends ImageReference {
  readonly store: Store
  /** Tagged and/or digested, never name-only. */
  readonly named: DockerReference | undefined
  /** A full image ID. */
  readonly id: string | undefined
  /** The reference with a truncated image ID expanded against the store's images. */
  expand(images: ImageRecord[]): StorageRef
}

export interface ImageRecord {
  id: string
  digest?: string
  names?: string[]
  layer?: string
  metadata?: string
  'big-data-names'?: string[]
  'big-data-sizes'?: Record<string, number>
  'big-data-digests'?: Record<string, string>
  created?: string
}

export interface LayerRecord {
  id: string
  parent?: string
  'compressed-diff-digest'?: string
  'compressed-size'?: number
  'diff-digest'?: string
  'diff-size'?: number
  flags?: Record<string, unknown>
}
