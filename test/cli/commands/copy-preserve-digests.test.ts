/**
 * --preserve-digests with a recompression fails before anything is uploaded; a sparse platform list
 * the registry refuses (MANIFEST_BLOB_UNKNOWN) suggests --strip-removed-platforms.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { smallImage, writeOciIndex } from '../../helpers/fixtures.js'
import { withTempDir } from '../../helpers/tools.js'
import { startRegistry } from '../../helpers/registry/index.js'
import { skiff } from '../run-skiff.js'

test('--preserve-digests with --dest-compress-format zstd to a registry: refused, no blob upload at all', async () => {
  const reg = await startRegistry()
  try {
    const r = await skiff([
      '--insecure-policy',
      'copy',
      '--preserve-digests',
      '--dest-compress-format',
      'zstd',
      '--dest-tls-verify=false',
      'oci:examples/hello:latest',
      `docker://${reg.host}/pd:1`,
    ])
    assert.equal(r.code, 1, r.stderr)
    assert.match(
      r.stderr,
      /skiff: oci:examples\/hello:latest: --preserve-digests is set but copying to docker:\/\/[^ ]+ would change the layer sha256:[0-9a-f]{64} digest/,
    )
    const writes = reg.requests().filter((e) => e.method !== 'GET' && e.method !== 'HEAD')
    assert.deepEqual(writes, [], 'nothing was sent to the registry')
  } finally {
    await reg.close()
  }
})

test('a sparse platform list the registry refuses (MANIFEST_BLOB_UNKNOWN) suggests --strip-removed-platforms', async () => {
  const reg = await startRegistry()
  try {
    await withTempDir(async (t) => {
      await writeOciIndex(join(t, 'multi'), 'm', [
        smallImage('a', { architecture: 'amd64' }),
        smallImage('b', { architecture: 'arm64' }),
      ])
      const r = await skiff([
        '--insecure-policy',
        'copy',
        '--multi-arch',
        'linux/amd64',
        '--dest-tls-verify=false',
        `oci:${t}/multi:m`,
        `docker://${reg.host}/sparse:1`,
      ])
      assert.equal(r.code, 1, r.stderr)
      const last = r.stderr.trimEnd().split('\n').at(-1)!
      assert.match(last, /MANIFEST_BLOB_UNKNOWN|manifest blob unknown/i)
      assert.match(last, /--strip-removed-platforms/)
      // and with it, the copy succeeds
      const ok = await skiff([
        '--insecure-policy',
        'copy',
        '-q',
        '--multi-arch',
        'linux/amd64',
        '--strip-removed-platforms',
        '--dest-tls-verify=false',
        `oci:${t}/multi:m`,
        `docker://${reg.host}/sparse:1`,
      ])
      assert.equal(ok.code, 0, ok.stderr)
    })
  } finally {
    await reg.close()
  }
})
