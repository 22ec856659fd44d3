/**
 * kill -9 at every phase of a copy to oci: (test/faults/helpers.ts: killSuite). The tag is absent
 * or names the complete image; the re-run succeeds and removes the blob temp files.
 */
import { test } from 'node:test'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { bigImageFixture, checkBlobs, fileSize, killSuite, sha256File, type Seen } from './helpers.js'

const f = bigImageFixture('oci')
const hex = (d: string): string => d.slice('sha256:'.length)

test('kill -9 during oci: copies: the tag is absent or complete; the re-run removes blob temp files', async () => {
  const { img, work } = f
  const layout = join(work, 'oci-out')
  await killSuite(
    {
      name: 'oci',
      dest: (phase) => `oci:${layout}:${phase === 'kill' ? 'big' : 'measured'}`,
      scanRoots: [layout],
      async inspect(deep): Promise<Seen> {
        let index
        try {
          index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8'))
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'absent'
          throw new Error(`oci: index.json is unreadable: ${(e as Error).message}`, { cause: e })
        }
        const entry = index.manifests.find(
          (m: { annotations?: Record<string, string> }) =>
            m.annotations?.['org.opencontainers.image.ref.name'] === 'big',
        )
        if (!entry) return 'absent'
        if (entry.digest !== img.manifestDigest) throw new Error(`oci: the tag names ${entry.digest}, not the image`)
        const blob = (d: string): string => join(layout, 'blobs', 'sha256', hex(d))
        if ((await fileSize(blob(img.manifestDigest))) === undefined)
          throw new Error('oci: the tag is visible but its manifest blob is missing')
        if (deep && (await sha256File(blob(img.manifestDigest))) !== img.manifestDigest)
          throw new Error('oci: the manifest blob is corrupt')
        await checkBlobs(img, blob, deep, 'oci')
        return 'complete'
      },
    },
    { src: img.ref, work },
  )
})
