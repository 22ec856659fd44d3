/**
 * kill -9 at every phase of a copy to oci-archive: or docker-archive: (test/faults/helpers.ts:
 * killSuite), one file per transport (kill9-oci-archive, kill9-docker-archive): the archive is
 * absent or complete (skopeo reads it at the end); the re-run removes the temp archive beside the
 * target, the oci-archive temp layout and the spooled layers in --tmpdir.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { skopeo } from '../helpers/tools.js'
import { bigImageFixture, killSuite, tarEntries, type BigImage, type Seen } from './helpers.js'

const hex = (d: string): string => d.slice('sha256:'.length)

/** A complete archive or nothing; `deep`: skopeo must read it and report the image's layers. */
async function inspectArchive(
  img: BigImage,
  transport: 'oci-archive' | 'docker-archive',
  file: string,
  deep: boolean,
): Promise<Seen> {
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

/** The test of one archive transport (its file's only test). */
export function archiveKillTest(transport: 'oci-archive' | 'docker-archive'): void {
  const f = bigImageFixture(transport)
  test(`kill -9 during ${transport}: copies: the archive is absent or complete; the re-run removes temp archives and spools`, async () => {
    const { img, work } = f
    const dir = join(work, `${transport}-out`)
    await mkdir(dir, { recursive: true })
    const file = join(dir, 'image.tar')
    await killSuite(
      {
        name: transport,
        dest: (phase) => `${transport}:${phase === 'kill' ? file : join(dir, 'measured.tar')}`,
        scanRoots: [dir],
        inspect: (deep) => inspectArchive(img, transport, file, deep),
      },
      { src: img.ref, work },
    )
  })
}
