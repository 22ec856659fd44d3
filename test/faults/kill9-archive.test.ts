/**
 * kill -9 at every phase of a copy to oci-archive: and docker-archive:
 * (test/faults/helpers.ts: killSuite): the archive is absent or complete (skopeo reads it at the
 * end); the re-run removes the temp archive beside the target, the oci-archive temp layout and the
 * spooled layers in --tmpdir.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { skopeo } from '../helpers/tools.js'
import { buildBigImage, killSuite, tarEntries, type BigImage, type Seen } from './helpers.js'

let work: string
let img: BigImage

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'skiff-test-kill9-archive-'))
  img = await buildBigImage(work)
})
after(async () => {
  await rm(work, { recursive: true, force: true })
})

const hex = (d: string): string => d.slice('sha256:'.length)

/** A complete archive or nothing; `deep`: skopeo must read it and report the image's layers. */
async function inspectArchive(transport: 'oci-archive' | 'docker-archive', file: string, deep: boolean): Promise<Seen> {
  if (!existsSync(file)) return 'absent'
  const entries = await tarEntries(file) // throws on a truncated tar
  if (transport === 'oci-archive') {
    for (const name of [
      'index.json',
      'oci-layout',
      `blobs/sha256/${hex(img.manifestDigest)}`,
      `blobs/sha256/${hex(img.configDigest)}`,
    ]) {
      if (!entries.has(name)) throw new Error(`oci-archive: the archive is visible without ${name}`)
    }
    for (const l of img.layers) {
      if (entries.get(`blobs/sha256/${hex(l.digest)}`) !== l.size)
        throw new Error(`oci-archive: layer ${l.digest} is missing or truncated`)
    }
  } else {
    if (!entries.has('manifest.json') || !entries.has('repositories'))
      throw new Error('docker-archive: the archive is visible without manifest.json')
    for (const l of img.layers) {
      if (!entries.has(`${hex(l.diffID)}.tar`)) throw new Error(`docker-archive: layer ${l.diffID} is missing`)
    }
  }
  if (deep) {
    const r = await skopeo(['inspect', `${transport}:${file}`])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(JSON.parse(r.stdout).Layers.length, img.layers.length)
  }
  return 'complete'
}

for (const transport of ['oci-archive', 'docker-archive'] as const) {
  test(`kill -9 during ${transport}: copies: the archive is absent or complete; the re-run removes temp archives and spools`, async () => {
    const dir = join(work, `${transport}-out`)
    await mkdir(dir, { recursive: true })
    const file = join(dir, 'image.tar')
    await killSuite(
      {
        name: transport,
        dest: (phase) => `${transport}:${phase === 'kill' ? file : join(dir, 'measured.tar')}`,
        scanRoots: [dir],
        inspect: (deep) => inspectArchive(transport, file, deep),
      },
      { src: img.ref, work },
    )
  })
}
