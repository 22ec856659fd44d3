import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { startProxy, startRegistry, type Registry } from '../../helpers/registry/index.js'
import { sha256, smallImage, writeOciImage } from '../../helpers/fixtures.js'
import { copy } from '../../helpers/skiff.js'
import { withTempDir } from '../../helpers/tools.js'
import { isSkiffError } from '../../../src/errors.js'
import type { TransportOptions } from '../../../src/transports/types.js'
import { isolateCache } from './helpers.js'

const both = (o: TransportOptions) => ({ source: o, destination: o })
const plain: TransportOptions = { registry: { tlsVerify: false } }

describe('docker:// through a fault-injecting proxy', () => {
  let reg: Registry
  let authReg: Registry
  let restore: () => void
  let bigLayer: string
  let manifestDigest: string
  const creds = { username: 'dave', password: 'pw-dave-42' }
  before(async () => {
    restore = isolateCache()
    ;[reg, authReg] = await Promise.all([startRegistry(), startRegistry({ htpasswd: { dave: creds.password } })])
    await withTempDir(async (dir) => {
      const layout = join(dir, 'l')
      // an incompressible layer of ~400 KB, so a reset can happen in the middle of it
      const img = await writeOciImage(
        layout,
        'v1',
        smallImage('faults', {
          layers: [{ files: { 'noise.bin': randomBytes(400_000) } }, { files: { 'a.txt': 'a\n' } }],
        }),
      )
      bigLayer = img.layers[0]!.digest
      manifestDigest = img.manifestDigest
      await copy(`oci:${layout}:v1`, `docker://${reg.host}/f/app:1`, both(plain))
      await copy(
        `oci:${layout}:v1`,
        `docker://${authReg.host}/f/app:1`,
        both({ registry: { tlsVerify: false, credentials: creds } }),
      )
    })
  })
  after(async () => {
    await Promise.all([reg?.close(), authReg?.close()])
    restore()
  })

  it('resumes a dropped blob download with Range; the digests match', async () => {
    const proxy = await startProxy(reg.url, {
      resetBlobGet: { afterBytes: 150_000, times: 1, match: (r) => r.method === 'GET' && r.path.endsWith(bigLayer) },
    })
    try {
      await withTempDir(async (dir) => {
        const res = await copy(`docker://${proxy.host}/f/app:1`, `dir:${join(dir, 'd')}`, both(plain))
        assert.equal(res.manifestDigest, manifestDigest)
        assert.equal(sha256(await readFile(join(dir, 'd', bigLayer.slice(7)))), bigLayer)
      })
      const gets = proxy.requests().filter((r) => r.method === 'GET' && r.path.endsWith(bigLayer))
      assert.equal(gets.length, 2, JSON.stringify(gets))
      assert.equal(gets[0]!.fault, 'reset')
      assert.ok(
        gets[0]!.responseBytes > 0 && gets[0]!.responseBytes < 400_000,
        `bytes before the reset: ${gets[0]!.responseBytes}`,
      )
      assert.match(gets[1]!.range ?? '', /^bytes=\d+-$/)
      assert.equal(gets[1]!.status, 206)
      assert.ok(gets[1]!.responseBytes < 400_000, 'only the rest was downloaded again')
    } finally {
      await proxy.close()
    }
  })

  it('waits for Retry-After on 429 and succeeds', async () => {
    const proxy = await startProxy(reg.url, {
      tooManyRequests: { times: 1, retryAfter: 1, match: { method: 'GET', path: /\/manifests\// } },
    })
    try {
      await withTempDir(async (dir) => {
        const t0 = Date.now()
        const res = await copy(`docker://${proxy.host}/f/app:1`, `dir:${join(dir, 'd')}`, both(plain))
        assert.equal(res.manifestDigest, manifestDigest)
        assert.ok(Date.now() - t0 >= 900, 'waited about Retry-After')
      })
      const m = proxy.requests().filter((r) => r.path.includes('/manifests/'))
      assert.deepEqual(
        m.slice(0, 2).map((r) => r.status),
        [429, 200],
      )
    } finally {
      await proxy.close()
    }
  })

  it('a 429 that does not go away becomes ERR_TOO_MANY_REQUESTS', async () => {
    const proxy = await startProxy(reg.url, {
      tooManyRequests: { times: 100, retryAfter: 0, match: { method: 'GET', path: /\/manifests\// } },
    })
    try {
      await withTempDir(async (dir) => {
        await assert.rejects(
          copy(
            `docker://${proxy.host}/f/app:1`,
            `dir:${join(dir, 'd')}`,
            both({ registry: { tlsVerify: false, retryTimes: 1, retryDelayMs: 10 } }),
          ),
          (e: unknown) => isSkiffError(e) && e.code === 'ERR_TOO_MANY_REQUESTS' && e.message.includes('f/app'),
        )
      })
    } finally {
      await proxy.close()
    }
  })

  it('retries 503 answers, then succeeds', async () => {
    const proxy = await startProxy(reg.url, { unavailable: { times: 2, status: 503 } })
    try {
      await withTempDir(async (dir) => {
        const res = await copy(
          `docker://${proxy.host}/f/app:1`,
          `dir:${join(dir, 'd')}`,
          both({ registry: { tlsVerify: false, retryDelayMs: 50 } }),
        )
        assert.equal(res.manifestDigest, manifestDigest)
      })
      assert.deepEqual(
        proxy
          .requests()
          .slice(0, 3)
          .map((r) => r.status),
        [503, 503, 200],
      )
    } finally {
      await proxy.close()
    }
  })

  it('follows blob redirects to another host without sending it the Authorization header', async () => {
    const proxy = await startProxy(authReg.url, { redirectBlobGets: true })
    try {
      await withTempDir(async (dir) => {
        const res = await copy(
          `docker://${proxy.host}/f/app:1`,
          `dir:${join(dir, 'd')}`,
          both({ registry: { tlsVerify: false, credentials: creds } }),
        )
        assert.equal(res.manifestDigest, manifestDigest)
        assert.equal(sha256(await readFile(join(dir, 'd', bigLayer.slice(7)))), bigLayer)
      })
      const target = proxy.redirectTarget!.requests()
      assert.ok(target.length >= 3, `blob GETs reached the redirect target: ${target.length}`)
      assert.ok(
        target.every((r) => r.authorization === undefined && r.status === 200),
        JSON.stringify(target),
      )
      assert.ok(
        proxy.requests().some((r) => r.path.includes('/blobs/') && r.authorization?.startsWith('Basic ')),
        'the registry itself got credentials',
      )
    } finally {
      await proxy.close()
    }
  })
})
