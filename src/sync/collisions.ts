/**
 * The whole plan, checked before anything is copied: the same source → destination pair planned
 * more than once (an image listed under `images`, matched by `images-by-tag-regex` and by
 * `images-by-semver`) is copied once; two different sources that name the same destination
 * (`a.example/beta:1` and `b.example/beta:1` both → `DEST/beta:1`) refuse the sync, naming both.
 *
 * skopeo 1.9.3 copies in plan order: a `dir` destination refuses the second image ("Refusing to
 * overwrite destination directory", after the first was copied); a registry gets the last one
 * (silently overwriting the first). skiff copies in parallel, so either would be a race: it
 * refuses every collision up front, for every destination kind.
 */
import { SkiffError, opt, withOptions } from '../errors.js'
import type { SyncItem } from './types.js'

/** Two (or more) planned images would be written to the same destination. */
export class SyncCollisionError extends SkiffError {
  constructor(readonly collisions: { destination: string; sources: string[] }[]) {
    const shown = collisions.slice(0, 5).map((c) => `${c.destination} from ${c.sources.join(' and ')}`)
    const more = collisions.length > shown.length ? `; and ${collisions.length - shown.length} more` : ''
    super(
      'ERR_INVALID_ARGUMENT',
      withOptions`${collisions.length === 1 ? 'two sources map to the same destination' : `${collisions.length} destinations are each named by more than one source`}: ${shown.join('; ')}${more}; nothing was copied (use ${opt('scoped', { value: true })} to keep the source paths apart, or sync them to different destinations)`,
    )
    this.name = 'SyncCollisionError'
  }
}

/** Key of a destination image: the reference as the user would type it (already normalized by naming). */
const keyOf = (i: SyncItem): string => i.destination.toString()

/**
 * The plan without repeated source → destination pairs (first one kept, plan order preserved).
 * Throws SyncCollisionError when different sources name one destination.
 */
export function resolvePlan(items: readonly SyncItem[]): SyncItem[] {
  const byDest = new Map<string, { first: SyncItem; sources: string[] }>()
  const out: SyncItem[] = []
  for (const item of items) {
    const key = keyOf(item)
    const src = item.source.toString()
    const seen = byDest.get(key)
    if (!seen) {
      byDest.set(key, { first: item, sources: [src] })
      out.push(item)
    } else if (!seen.sources.includes(src)) {
      seen.sources.push(src)
    }
  }
  const collisions = [...byDest.entries()]
    .filter(([, v]) => v.sources.length > 1)
    .map(([destination, v]) => ({ destination, sources: v.sources }))
  if (collisions.length) throw new SyncCollisionError(collisions)
  return out
}
