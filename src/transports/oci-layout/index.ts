/** oci: an OCI image layout; what sync and the library use (the layout's files stay behind this). */
import { readIndex, refNameOf } from './layout.js'

export { ociLayoutTransport, OciLayoutReference } from './transport.js'
export { isValidRefName } from './layout.js'

/**
 * The ref names (org.opencontainers.image.ref.name) of the layout's index.json, in index order;
 * entries without one are left out. Throws ImageNotFoundError when there is no layout at `layout`.
 */
export async function layoutRefNames(layout: string): Promise<string[]> {
  const names: string[] = []
  for (const d of (await readIndex(layout, `oci:${layout}`, false)).manifests) {
    const name = refNameOf(d)
    if (name) names.push(name)
  }
  return names
}
