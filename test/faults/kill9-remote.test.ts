/**
 * kill -9 at every phase of a copy to docker:// (a docker-registry) and to docker-daemon: (dockerd
 * with vfs) (test/faults/helpers.ts: killSuite). The registry may keep
 * orphan blobs, but the tag is absent or complete (skopeo inspects it and pulls it by digest at
 * the end); the daemon lists the image only when it is complete; --tmpdir (the daemon's layer
 * spools) is clean after a re-run.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'node:http'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startRegistry, type Registry } from '../helpers/registry/index.js'
import { startDockerd, type Dockerd } from '../helpers/dockerd.js'
import { skopeo } from '../helpers/tools.js'
import { buildBigImage, killSuite, type BigImage, type Seen } from './helpers.js'

let work: string
let img: BigImage

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'skiff-test-kill9-remote-'))
  img = await buildBigImage(work)
})
after(async () => {
  await rm(work, { recursive: true, force: true })
})

test('kill -9 during docker:// pushes: the tag is absent or complete; pulling it by digest verifies', async () => {
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
