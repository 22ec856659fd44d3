/**
 * A copy leaves no listener on the caller's signal. undici keeps a request's abort listener until
 * its response body has been read to the end, and skiff did not read the (empty) bodies of HEAD
 * answers: every blob-existence check left one listener behind — 15 after one 14-layer push, and
 * in a sync, where every image shares one signal, thousands (memory, and an abort that walks them
 * all); `copy -q` printed Node's MaxListenersExceededWarning.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { getEventListeners } from 'node:events'
import { join } from 'node:path'
import { writeOciImage, type ImageSpec } from '../helpers/fixtures.js'
import { withTempDir } from '../helpers/tools.js'
import { startRegistry } from '../helpers/registry/index.js'
import { copy } from '../helpers/skiff.js'
import { insecureCopy, isolateCache } from '../transports/docker/helpers.js'

const MANY_LAYERS: ImageSpec = {
  layers: Array.from({ length: 14 }, (_, i) => ({
    files: { [`f${i}`]: Buffer.alloc(1000 * (i + 1), i) },
    compression: 'none' as const,
  })),
}

test('pushing, re-pushing (every blob found by HEAD) and registry → registry leave no abort listener', async () => {
  const reg = await startRegistry()
  const restore = isolateCache()
  try {
    await withTempDir(async (t) => {
      await writeOciImage(join(t, 'src'), 'v1', MANY_LAYERS)
      const ac = new AbortController()
      const listeners = (): number => getEventListeners(ac.signal, 'abort').length
      await copy(`oci:${t}/src:v1`, `docker://${reg.host}/many:v1`, { ...insecureCopy, signal: ac.signal })
      assert.equal(listeners(), 0, 'after the push')
      await copy(`oci:${t}/src:v1`, `docker://${reg.host}/many:v2`, { ...insecureCopy, signal: ac.signal })
      assert.equal(listeners(), 0, 'after the second push (blobs already there)')
      await copy(`docker://${reg.host}/many:v1`, `docker://${reg.host}/other:v1`, {
        ...insecureCopy,
        signal: ac.signal,
      })
      assert.equal(listeners(), 0, 'after registry → registry')
    })
  } finally {
    restore()
    await reg.close()
  }
})
