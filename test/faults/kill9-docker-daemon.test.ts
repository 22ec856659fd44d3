/**
 * kill -9 at every phase of a copy to docker-daemon: (dockerd with vfs) (test/faults/helpers.ts:
 * killSuite): the daemon lists the image only when it is complete; --tmpdir (the daemon's layer
 * spools) is clean after a re-run.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'node:http'
import { startDockerd, type Dockerd } from '../helpers/dockerd.js'
import { skopeo } from '../helpers/tools.js'
import { bigImageFixture, killSuite, type Seen } from './helpers.js'

const f = bigImageFixture('docker-daemon')

/** GET on the daemon's API: status and JSON body. */
function daemonGet(socket: string, path: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, path, method: 'GET' }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        let body: unknown = text
        try {
          body = JSON.parse(text)
        } catch {
          // not JSON
        }
        resolve({ status: res.statusCode ?? 0, body })
      })
    })
    req.on('error', reject)
    req.end()
  })
}

test('kill -9 during docker-daemon: loads: the daemon has no image or the complete one', async () => {
  const { img, work } = f
  const d: Dockerd = await startDockerd()
  try {
    await killSuite(
      {
        name: 'docker-daemon',
        dest: (phase) => `docker-daemon:${phase === 'kill' ? 'big' : 'measured'}:1`,
        scanRoots: [],
        async inspect(deep): Promise<Seen> {
          const r = await daemonGet(d.socket, '/images/big:1/json')
          if (r.status === 404) return 'absent'
          if (r.status !== 200) throw new Error(`docker-daemon: GET /images/big:1/json answered ${r.status}`)
          const layers = (r.body as { RootFS?: { Layers?: string[] } }).RootFS?.Layers ?? []
          if (JSON.stringify(layers) !== JSON.stringify(img.layers.map((l) => l.diffID)))
            throw new Error(`docker-daemon: the image is listed with layers ${layers.join(',')}`)
          if (deep) {
            const i = await skopeo(['inspect', '--daemon-host', d.host, 'docker-daemon:big:1'])
            assert.equal(i.code, 0, i.stderr)
          }
          return 'complete'
        },
      },
      { src: img.ref, work, extraArgs: ['--dest-daemon-host', d.host] },
    )
  } finally {
    await d.close()
  }
})
