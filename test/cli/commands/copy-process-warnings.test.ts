/**
 * A copy with many layers in flight prints nothing but its own output: Node's
 * MaxListenersExceededWarning ("Possible EventTarget memory leak detected. 11 abort listeners…")
 * appeared on stderr of `copy -q` from a `docker save` archive to a registry, because every layer in flight adds
 * several listeners (its pipeline, its requests) to the one signal that stops the siblings.
 * The process's own stderr is what a user sees, so skiff runs as a child here.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { writeOciImage, type ImageSpec } from '../../helpers/fixtures.js'
import { withTempDir } from '../../helpers/tools.js'
import { startRegistry } from '../../helpers/registry/index.js'
import { skiff } from '../run-skiff.js'

const EIGHT_LAYERS: ImageSpec = {
  layers: [1, 2, 3, 4, 5, 6, 7, 8].map((i) => ({
    files: { [`f${i}`]: Buffer.alloc(200_000 * i, i) },
    compression: 'none' as const,
  })),
}

test('copy -q of an 8-layer docker-archive to a registry (layers compressed on the way) writes nothing to stderr', async () => {
  const reg = await startRegistry()
  try {
    await withTempDir(async (t) => {
      await writeOciImage(join(t, 'src'), 'v1', EIGHT_LAYERS)
      const save = await skiff([
        '--insecure-policy',
        'copy',
        '-q',
        `oci:${t}/src:v1`,
        `docker-archive:${t}/img.tar:eight:v1`,
      ])
      assert.equal(save.code, 0, save.stderr)
      for (const extra of [[], ['--image-parallel-copies', '8']]) {
        const r = await skiff(
          [
            '--insecure-policy',
            'copy',
            '-q',
            ...extra,
            '--dest-tls-verify=false',
            `docker-archive:${t}/img.tar`,
            `docker://${reg.host}/eight:v1`,
          ],
          { spawn: true },
        )
        assert.equal(r.code, 0, r.stderr)
        assert.equal(r.stderr, '', `stderr of copy -q ${extra.join(' ')}`)
      }
    })
  } finally {
    await reg.close()
  }
})
