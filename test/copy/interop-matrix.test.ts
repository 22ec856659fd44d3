/**
 * Every local transport pair, both ways with skopeo: skopeo writes the source, skiff copies it,
 * skopeo reads the result; and skiff writes, skopeo copies it onwards. The image content (config
 * digest and DiffIDs) must survive every hop; manifests are compared with skopeo's own copy of the
 * same pair where the bytes are deterministic.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { skopeo, withTempDir, run, requireTool } from '../helpers/tools.js'
import { writeOciImage, smallImage } from '../helpers/fixtures.js'
import { copy } from '../helpers/skiff.js'

const TRANSPORTS = ['dir', 'oci', 'oci-archive', 'docker-archive'] as const
type T = (typeof TRANSPORTS)[number]

function name(t: T, base: string, tag = 'v1'): string {
  switch (t) {
    case 'dir':
      return `dir:${base}`
    case 'oci':
      return `oci:${base}:${tag}`
    case 'oci-archive':
      return `oci-archive:${base}.tar:${tag}`
    case 'docker-archive':
      return `docker-archive:${base}.tar:example.com/app:${tag}`
  }
}

/** What must not change across transports: the config's DiffIDs (and os/arch). */
async function content(image: string): Promise<{ diffIDs: string[]; arch: string }> {
  const r = await skopeo(['inspect', '--config', image])
  assert.equal(r.code, 0, `${image}: ${r.stderr}`)
  const c = JSON.parse(r.stdout)
  return { diffIDs: c.rootfs.diff_ids, arch: c.architecture }
}

test('every local transport pair, both ways, keeps the image content (skopeo reads every result)', async () => {
  requireTool('umoci')
  await withTempDir(async (t) => {
    const img = await writeOciImage(join(t, 'fixture'), 'v1', smallImage('matrix'))
    const expected = { diffIDs: img.layers.map((l) => l.diffID), arch: 'amd64' }
    // sources written by skopeo
    for (const s of TRANSPORTS) {
      const r = await skopeo(['copy', `oci:${t}/fixture:v1`, name(s, join(t, `src-${s}`))])
      assert.equal(r.code, 0, r.stderr)
    }
    for (const s of TRANSPORTS) {
      for (const d of TRANSPORTS) {
        const out = name(d, join(t, `out-${s}-${d}`))
        await copy(name(s, join(t, `src-${s}`)), out)
        assert.deepEqual(await content(out), expected, `${s} → ${d}`)
        if (d === 'oci') {
          const u = await run('umoci', ['stat', '--image', `${t}/out-${s}-${d}:v1`])
          assert.equal(u.code, 0, `${s} → oci: umoci: ${u.stderr}`)
        }
        // and skopeo copies skiff's output onwards
        const onward = await skopeo(['copy', out, `oci:${t}/onward-${s}-${d}:x`])
        assert.equal(onward.code, 0, `${s} → ${d} → oci (skopeo): ${onward.stderr}`)
      }
    }
  })
})

test('skiff and skopeo write the same manifest for the same pair where bytes are deterministic', async () => {
  await withTempDir(async (t) => {
    await writeOciImage(join(t, 'fixture'), 'v1', smallImage('same'))
    // No recompression in these pairs, so the manifests must be identical.
    const pairs: Array<[T, T]> = [
      ['oci', 'dir'],
      ['oci', 'oci'],
      ['oci', 'oci-archive'],
      ['oci', 'docker-archive'],
      ['dir', 'oci'],
      ['oci-archive', 'dir'],
    ]
    const r = await skopeo(['copy', `oci:${t}/fixture:v1`, `dir:${t}/src-dir`])
    assert.equal(r.code, 0, r.stderr)
    const r2 = await skopeo(['copy', `oci:${t}/fixture:v1`, `oci-archive:${t}/src-oa.tar:v1`])
    assert.equal(r2.code, 0, r2.stderr)
    const srcOf: Record<string, string> = {
      oci: `oci:${t}/fixture:v1`,
      dir: `dir:${t}/src-dir`,
      'oci-archive': `oci-archive:${t}/src-oa.tar:v1`,
    }
    for (const [s, d] of pairs) {
      const ours = name(d, join(t, `ours-${s}-${d}`))
      const theirs = name(d, join(t, `theirs-${s}-${d}`))
      await copy(srcOf[s]!, ours)
      const c = await skopeo(['copy', srcOf[s]!, theirs])
      assert.equal(c.code, 0, c.stderr)
      const a = await skopeo(['inspect', '--raw', ours])
      const b = await skopeo(['inspect', '--raw', theirs])
      assert.equal(a.stdout, b.stdout, `${s} → ${d}`)
    }
  })
})
