/**
 * kill -9 at every phase of a copy to registry-storage: (test/faults/helpers.ts: killSuite). The
 * tag is absent or links the complete image; the re-run succeeds and removes the _uploads leftovers.
 */
import { test } from 'node:test'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { bigImageFixture, checkBlobs, fileSize, killSuite, type Seen } from './helpers.js'

const f = bigImageFixture('registry-storage')
const hex = (d: string): string => d.slice('sha256:'.length)

test('kill -9 during registry-storage: copies: the tag is absent or complete; the re-run removes _uploads leftovers', async () => {
  const { img, work } = f
  const root = join(work, 'store')
  const v2 = join(root, 'docker', 'registry', 'v2')
  const repo = join(v2, 'repositories', 'library', 'big')
  await killSuite(
    {
      name: 'registry-storage',
      dest: (phase) => `registry-storage:${root}:library/big:${phase === 'kill' ? '1' : 'measured'}`,
      scanRoots: [root],
      async inspect(deep): Promise<Seen> {
        let current: string
        try {
          current = await readFile(join(repo, '_manifests', 'tags', '1', 'current', 'link'), 'utf8')
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'absent'
          throw e
        }
        if (current !== img.manifestDigest) throw new Error(`registry-storage: the tag links ${current}`)
        const data = (d: string): string => join(v2, 'blobs', 'sha256', hex(d).slice(0, 2), hex(d), 'data')
        if ((await readFile(join(repo, '_manifests', 'revisions', 'sha256', hex(current), 'link'), 'utf8')) !== current)
          throw new Error('registry-storage: no revision link')
        if ((await fileSize(data(current))) === undefined)
          throw new Error('registry-storage: the tag is visible but the manifest data is missing')
        for (const l of [...img.layers.map((x) => x.digest), img.configDigest]) {
          if ((await readFile(join(repo, '_layers', 'sha256', hex(l), 'link'), 'utf8')) !== l)
            throw new Error(`registry-storage: ${l} is not linked`)
        }
        await checkBlobs(img, data, deep, 'registry-storage')
        return 'complete'
      },
    },
    { src: img.ref, work },
  )
})
