import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { smallImage, writeOciImage } from '../../helpers/fixtures.js'
import { skopeo, withTempDir } from '../../helpers/tools.js'
import { skiff } from '../run-skiff.js'

test('inspect --raw, --config --raw, --config and --format match skopeo', async () => {
  await withTempDir(async (dir) => {
    const layout = join(dir, 'layout')
    await writeOciImage(layout, 'v1', smallImage('insp'))
    const ref = `oci:${layout}:v1`
    for (const args of [
      ['--raw'],
      ['--config', '--raw'],
      ['--config'],
      ['--format', '{{.Digest}} {{.Architecture}} {{.Labels}}'],
    ]) {
      const ours = await skiff(['inspect', ...args, ref])
      const theirs = await skopeo(['inspect', ...args, ref])
      assert.equal(ours.code, 0, ours.stderr)
      assert.equal(ours.stdout, theirs.stdout, args.join(' '))
    }
  })
})
