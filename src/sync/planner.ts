/**
 * planSync: the images a sync will copy, as a lazy sequence (runSync reads all of it and checks
 * it for collisions before the first copy: collisions.ts). Each source item is named at the destination as skopeo names it (see naming.ts) and
 * filtered by --include-tags / --exclude-tags. `sync dir → dir` is refused, as skopeo does.
 * With --images-from (registry-storage source) only the listed images are planned. With a shard,
 * only the images whose destination repository falls in it (shard.ts); every shard reads the
 * same source, so two sources naming one destination still meet in the shard that owns it.
 */
import { tagAllowed } from './filters.js'
import { chooseSuffix, destKeepsPath, destinationReference } from './naming.js'
import { RegistryAccess } from './registry-access.js'
import { sourceItems } from './sources/index.js'
import type { PlanOptions, SyncDestSpec, SyncItem, SyncSourceSpec } from './types.js'
import { validateSyncKinds } from './kinds.js'
import { inShard } from './shard.js'

export interface PlanContext extends PlanOptions {
  /** Registry access shared with the executor (kept-alive clients); one is created (and closed) otherwise. */
  access?: RegistryAccess
}

export async function* planSync(
  source: SyncSourceSpec,
  destination: SyncDestSpec,
  opts: PlanContext = {},
): AsyncGenerator<SyncItem> {
  validateSyncKinds(source.kind, destination.kind)
  const access = opts.access ?? new RegistryAccess(opts.signal)
  const filter = {
    ...(opts.includeTags ? { include: opts.includeTags } : {}),
    ...(opts.excludeTags ? { exclude: opts.excludeTags } : {}),
  }
  try {
    for await (const raw of sourceItems(source, { access, plan: opts })) {
      opts.signal?.throwIfAborted()
      if (!tagAllowed(raw.tag, filter)) continue
      const suffix = chooseSuffix(raw.suffix, opts.scoped ?? false, destKeepsPath(destination))
      const { ref, label } = destinationReference(destination, suffix, opts.appendSuffix ?? '')
      if (opts.shard && !inShard(label, opts.shard)) continue
      yield {
        source: raw.source,
        destination: ref,
        label,
        group: raw.group,
        ...(raw.sourceOptions ? { sourceOptions: raw.sourceOptions } : {}),
      }
    }
  } finally {
    if (!opts.access) await access.close()
  }
}
