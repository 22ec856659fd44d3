/**
 * Sharded sync (`--shard-index I --shard-count N`): N workers run the same sync, each plans the
 * whole source the same way and keeps the images whose destination repository hashes to its
 * index, so one repository's tags (their shared blobs, mounts and registry tokens) stay in one
 * worker and the shards together copy every image exactly once.
 *
 * The shard of a repository is the first 4 bytes of sha256(repository) as a big-endian unsigned
 * integer, modulo N: stable across runs, machines and skiff versions, and computable by other
 * tools (`printf %s REPO | sha256sum`, first 8 hex digits, mod N).
 */
import { createHash } from 'node:crypto'

export interface Shard {
  /** 0 ≤ index < count */
  index: number
  count: number
}

/**
 * The repository part of a destination label (the destination path below DESTINATION, as
 * planSync names it): without `@digest`, and without `:tag` in the last path element (a
 * `host:port/` before it stays).
 */
export function labelRepository(label: string): string {
  const at = label.indexOf('@')
  const name = at >= 0 ? label.slice(0, at) : label
  const slash = name.lastIndexOf('/')
  const colon = name.indexOf(':', slash + 1)
  return colon >= 0 ? name.slice(0, colon) : name
}

/** The shard (0 … count-1) a destination repository belongs to. */
export function shardOf(repository: string, count: number): number {
  return createHash('sha256').update(repository).digest().readUInt32BE(0) % count
}

/** Whether the image labelled `label` belongs to `shard`. */
export function inShard(label: string, shard: Shard): boolean {
  return shardOf(labelRepository(label), shard.count) === shard.index
}
