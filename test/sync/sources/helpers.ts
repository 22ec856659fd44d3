/** Shared bits of the SyncSource tests: run a source to the end, collecting items and warnings. */
import { RegistryAccess } from '../../../src/sync/registry-access.js'
import type { RawItem, SyncSource } from '../../../src/sync/sources/types.js'
import type { PlanOptions, SyncSourceSpec } from '../../../src/sync/types.js'

export interface Collected {
  items: RawItem[]
  warnings: string[]
}

export async function collect(source: SyncSource, spec: SyncSourceSpec, plan: PlanOptions = {}): Promise<Collected> {
  const warnings: string[] = []
  const access = new RegistryAccess()
  const items: RawItem[] = []
  try {
    for await (const item of source.items(spec, { access, plan: { onWarning: (m) => warnings.push(m), ...plan } }))
      items.push(item)
  } finally {
    await access.close()
  }
  return { items, warnings }
}

/** An item as plain data: source reference, suffix, tag, group. */
export function plain(i: RawItem): Record<string, unknown> {
  return {
    source: i.source.toString(),
    suffix: i.suffix,
    ...(i.tag !== undefined ? { tag: i.tag } : {}),
    group: i.group,
  }
}
