import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { smallImage, writeOciImage } from '../../helpers/fixtures.js'
import { skopeo, withTempDir } from '../../helpers/tools.js'
import { skiff } from '../run-skiff.js'

test('list-tags docker-archive: prints the same JSON as skopeo', async () => {
  await withTempDir(async (dir) => {
    const layout = join(dir, 'layout')
    await writeOciImage(layout, 'v1', smallImage('one'))
    const archive = join(dir, 'a.tar')
    const made = await skopeo([
      'copy',
      '--additional-tag',
      'example.com/x:2',
      `oci:${layout}:v1`,
      `docker-archive:${archive}:foo/bar:1`,
    ])
    assert.equal(made.code, 0, made.stderr)
    const theirs = await skopeo(['list-tags', `docker-archive:${archive}`])
    const ours = await skiff(['list-tags', `docker-archive:${archive}`])
    assert.equal(ours.code, 0, ours.stderr)
    assert.equal(ours.stdout, theirs.stdout)
  })
})

test('list-tags: other transports are refused; registry flags are checked', async () => {
  const o = await skiff(['list-tags', 'oci:/x'])
  assert.equal(o.code, 1)
  assert.match(o.stderr, /Unsupported transport 'oci' for tag listing/)
  const c = await skiff(['list-tags', '--creds', 'a:b', '--no-creds', 'docker-archive:/x.tar'])
  assert.match(c.stderr, /creds and no-creds cannot be specified at the same time/)
})
