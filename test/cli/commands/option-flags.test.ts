/**
 * The library names options (`scoped: true`, `removeSignatures: true`); the CLI prints skopeo's flags
 * in their place — in the error line, and in sync's plan errors and --report.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { withTempDir } from '../../helpers/tools.js'
import { skiff } from '../run-skiff.js'

test('sync: a collision names --scoped on stderr and in --report, never the option term', async () => {
  await withTempDir(async (t) => {
    await writeFile(
      join(t, 'two.yaml'),
      'a.example:\n  images:\n    x/beta: ["1"]\nb.example:\n  images:\n    y/beta: ["1"]\n',
    )
    const r = await skiff([
      '--insecure-policy',
      'sync',
      '--src',
      'yaml',
      '--dest',
      'dir',
      '--report',
      join(t, 'r.json'),
      join(t, 'two.yaml'),
      join(t, 'out'),
    ])
    assert.equal(r.code, 1, r.stderr)
    assert.match(
      r.stderr,
      /^failed to plan: two sources map to the same destination: .*; nothing was copied \(use --scoped to keep the source paths apart, or sync them to different destinations\)$/m,
    )
    assert.doesNotMatch(r.stderr, /`/)
    const report = await readFile(join(t, 'r.json'), 'utf8')
    assert.match(report, /use --scoped to keep/)
    assert.doesNotMatch(report, /`scoped/)
  })
})
