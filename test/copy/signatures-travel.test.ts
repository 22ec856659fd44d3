/**
 * Signatures travel with the images they sign, as skopeo copies them: a list's own signatures with
 * the list (--all), each instance's with that instance, and the chosen instance's to the top level
 * when one image is copied out of a list. Compared file for file with skopeo 1.9.3.
 */
import assert from 'node:assert/strict'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { smallImage, writeOciIndex } from '../helpers/fixtures.js'
import { copy } from '../helpers/skiff.js'
import { skopeo, withTempDir } from '../helpers/tools.js'

/** Opaque simple-signing bytes (an OpenPGP compressed-data packet's first byte), copied as they are. */
const sig = (s: string): Buffer => Buffer.concat([Buffer.from([0xa3]), Buffer.from(s)])

async function signatureFiles(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const f of (await readdir(dir)).sort())
    if (f.includes('signature-')) out[f] = (await readFile(join(dir, f))).toString('latin1')
  return out
}

test('list, instance and chosen-instance signatures are copied where skopeo copies them', async () => {
  await withTempDir(async (t) => {
    const built = await writeOciIndex(join(t, 'layout'), 'v1', [
      smallImage('amd', { architecture: 'amd64' }),
      smallImage('arm', { architecture: 'arm64' }),
    ])
    const src = join(t, 'src')
    const r = await skopeo(['copy', '-q', '--all', `oci:${join(t, 'layout')}:v1`, `dir:${src}`])
    assert.equal(r.code, 0, r.stderr)
    const [amd, arm] = built.images.map((i) => i.manifestDigest.slice('sha256:'.length))
    await writeFile(join(src, 'signature-1'), sig('list one'))
    await writeFile(join(src, 'signature-2'), sig('list two'))
    await writeFile(join(src, `${amd}.signature-1`), sig('amd64'))
    await writeFile(join(src, `${arm}.signature-1`), sig('arm64'))

    for (const [name, flags, multiArch] of [
      ['all', ['--all'], 'all'],
      ['system', ['--override-arch', 'amd64'], 'system'],
    ] as const) {
      const theirs = join(t, `theirs-${name}`)
      const s = await skopeo(['copy', '-q', ...flags, `dir:${src}`, `dir:${theirs}`])
      assert.equal(s.code, 0, s.stderr)
      const ours = join(t, `ours-${name}`)
      await copy(`dir:${src}`, `dir:${ours}`, { multiArch, platform: { architecture: 'amd64', os: 'linux' } })
      assert.deepEqual(await signatureFiles(ours), await signatureFiles(theirs), name)
    }
    // the single image copied out of the list carries the amd64 instance's signature
    assert.deepEqual(await signatureFiles(join(t, 'ours-system')), { 'signature-1': sig('amd64').toString('latin1') })
    // --remove-signatures drops them all; a destination that cannot hold them refuses without it
    await copy(`dir:${src}`, `dir:${join(t, 'none')}`, { multiArch: 'all', removeSignatures: true })
    assert.deepEqual(await signatureFiles(join(t, 'none')), {})
    await assert.rejects(
      copy(`dir:${src}`, `oci:${join(t, 'oci')}:v1`, { multiArch: 'all' }),
      /use `removeSignatures: true`/,
    )
  })
})
