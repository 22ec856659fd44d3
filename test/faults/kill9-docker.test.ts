/**
 * kill -9 at every phase of a copy to docker:// (a docker-registry) (test/faults/helpers.ts:
 * killSuite). The registry may keep orphan blobs, but the tag is absent or complete (skopeo
 * inspects it and pulls it by digest at the end). docker-daemon: is kill9-docker-daemon.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { startRegistry, type Registry } from '../helpers/registry/index.js'
import { skopeo } from '../helpers/tools.js'
import { bigImageFixture, killSuite, type Seen } from './helpers.js'

const f = bigImageFixture('docker')

test('kill -9 during docker:// pushes: the tag is absent or complete; pulling it by digest verifies', async () => {
  const { img, work } = f
  const reg: Registry = await startRegistry()
  try {
    await killSuite(
      {
        name: 'docker',
        dest: (phase) => `docker://${reg.host}/${phase === 'kill' ? 'big' : 'measured'}:1`,
        scanRoots: [],
        async inspect(deep): Promise<Seen> {
          const raw = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/big:1`])
          if (raw.code !== 0) {
            if (/manifest unknown|not found/i.test(raw.stderr)) return 'absent'
            throw new Error(`docker: inspect failed: ${raw.stderr}`)
          }
          const m = JSON.parse(raw.stdout)
          assert.equal(m.layers.length, img.layers.length)
          for (const l of [...m.layers, m.config]) {
            const res = await fetch(`${reg.url}/v2/big/blobs/${l.digest}`, { method: 'HEAD' })
            if (res.status !== 200 || Number(res.headers.get('content-length')) !== l.size)
              throw new Error(`docker: the tag is visible but blob ${l.digest} is not (${res.status})`)
          }
          if (deep) {
            const pulled = join(work, 'pulled')
            const r = await skopeo([
              'copy',
              '--src-tls-verify=false',
              `docker://${reg.host}/big@${img.manifestDigest}`,
              `dir:${pulled}`,
            ])
            assert.equal(r.code, 0, r.stderr)
            await rm(pulled, { recursive: true, force: true })
          }
          return 'complete'
        },
      },
      { src: img.ref, work, extraArgs: ['--dest-tls-verify=false'] },
    )
  } finally {
    await reg.close()
  }
})
