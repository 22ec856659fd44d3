/** The fault-injecting proxy in front of a real registry, observed with skopeo and fetch. */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { test } from 'node:test'
import { smallImage, writeOciImage } from '../helpers/fixtures.js'
import { startProxy, startRegistry, type RegistryProxy } from '../helpers/registry/index.js'
import { skopeo, withTempDir } from '../helpers/tools.js'

const sha = (b: Buffer) => 'sha256:' + createHash('sha256').update(b).digest('hex')

test('proxy: counts uploads, resets a blob GET mid-way (Range resumes), 503/429 then pass, redirects blob GETs to another host', async () => {
  await withTempDir(async (dir) => {
    const img = await writeOciImage(join(dir, 'layout'), 't', smallImage('proxy'))
    const layer = img.layers[0]!
    const reg = await startRegistry()
    const proxies: RegistryProxy[] = []
    try {
      // counting: a push through the proxy sends every blob byte through it (Location points back at it)
      const counting = await startProxy(reg)
      proxies.push(counting)
      const push = await skopeo([
        'copy',
        '--dest-tls-verify=false',
        `oci:${join(dir, 'layout')}:t`,
        `docker://${counting.host}/repo:t`,
      ])
      assert.equal(push.code, 0, push.stderr)
      const uploaded = counting
        .requests()
        .filter((e) => (e.method === 'PUT' || e.method === 'PATCH') && e.path.includes('/blobs/uploads/'))
      assert.equal(
        uploaded.reduce((n, e) => n + e.requestBytes, 0),
        img.layers.reduce((n, l) => n + l.size, 0) + img.config.length,
      )
      const blobUrl = (p: RegistryProxy) => `${p.url}/v2/repo/blobs/${layer.digest}`

      // reset after 10 bytes, once; a Range request gets the rest
      const resetting = await startProxy(reg, { resetBlobGet: { afterBytes: 10 } })
      proxies.push(resetting)
      const first = await fetch(blobUrl(resetting))
      assert.equal(first.status, 200)
      const head: Buffer[] = []
      await assert.rejects(async () => {
        for await (const c of first.body!) head.push(Buffer.from(c))
      })
      const got = Buffer.concat(head)
      assert.equal(got.length, 10)
      const rest = await fetch(blobUrl(resetting), { headers: { Range: `bytes=${got.length}-` } })
      assert.equal(rest.status, 206)
      assert.equal(sha(Buffer.concat([got, Buffer.from(await rest.arrayBuffer())])), layer.digest)
      assert.deepEqual(
        resetting.requests().map((e) => [e.fault, e.completed, e.responseBytes]),
        [
          ['reset', false, 10],
          [undefined, true, layer.size - 10],
        ],
      )

      // 503 twice, then 429 with Retry-After once, then the real answer
      const flaky = await startProxy(reg, {
        unavailable: { times: 2, match: { path: '/manifests/' } },
        tooManyRequests: { retryAfter: 3, match: { path: /\/manifests\// } },
      })
      proxies.push(flaky)
      const statuses: (string | number)[] = []
      for (let i = 0; i < 4; i++) {
        const r = await fetch(`${flaky.url}/v2/repo/manifests/t`, { headers: { Accept: img.mediaType } })
        statuses.push(r.status)
        if (r.status === 429) statuses.push(r.headers.get('retry-after')!)
        await r.arrayBuffer()
      }
      assert.deepEqual(statuses, [503, 503, 429, '3', 200])

      // redirect blob GETs to http://localhost:PORT2; the target records the Authorization it got
      const redirecting = await startProxy(reg, { redirectBlobGets: true })
      proxies.push(redirecting)
      const r = await fetch(blobUrl(redirecting), {
        redirect: 'manual',
        headers: { Authorization: 'Bearer secret-token' },
      })
      assert.equal(r.status, 307)
      const location = new URL(r.headers.get('location')!)
      assert.equal(location.host, `localhost:${redirecting.redirectTarget!.port}`)
      const withAuth = await fetch(location, { headers: { Authorization: 'Bearer secret-token' } })
      assert.equal(sha(Buffer.from(await withAuth.arrayBuffer())), layer.digest)
      const pull = await skopeo([
        'copy',
        '--src-tls-verify=false',
        `docker://${redirecting.host}/repo:t`,
        `dir:${join(dir, 'pulled')}`,
      ])
      assert.equal(pull.code, 0, pull.stderr)
      const seen = redirecting.redirectTarget!.requests()
      assert.equal(
        seen[0]!.authorization,
        'Bearer secret-token',
        'the target records an Authorization header that reaches it',
      )
      assert.equal(seen.length, 1 + img.layers.length + 1, 'skopeo fetched layers + config through the redirect')
      assert.ok(seen.slice(1).every((e) => e.authorization === undefined && e.status === 200))
    } finally {
      for (const p of proxies) await p.close()
      await reg.close()
    }
  })
})
