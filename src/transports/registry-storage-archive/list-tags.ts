/**
 * Tags of a release bundle, for `skiff list-tags`: with NAME, that repository's tags; without, every
 * image as `NAME:TAG` (as list-tags of a docker-archive lists its references).
 */
import { ImageNotFoundError } from '../../errors.js'
import { bundleImages, openBundle } from './bundle.js'
import { BUNDLE_TRANSPORT } from './transport.js'

export async function listBundleTags(
  path: string,
  name: string | undefined,
  opts: { tmpdir?: string } = {},
): Promise<string[]> {
  const image = `${BUNDLE_TRANSPORT}:${path}${name !== undefined ? `:${name}` : ''}`
  const b = await openBundle(path, { tmpdir: opts.tmpdir, image })
  if (name === undefined) return bundleImages(b).map((i) => `${i.name}:${i.tag}`)
  const tags = b.tags.get(name)
  if (!tags) throw new ImageNotFoundError(`${image}: the bundle has no repository "${name}"`, { image })
  return [...tags.keys()].sort()
}
