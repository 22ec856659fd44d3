/** The registry helper against the oracle: skopeo pushes and inspects on each variant. */
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { copyFile, mkdir, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { writeOciImage, smallImage } from '../helpers/fixtures.js'
import { startRegistry } from '../helpers/registry/index.js'
import { skopeo, withTempDir } from '../helpers/tools.js'

test('plain HTTP registry: skopeo pushes and inspects; the access log counts the requests; close cleans up', async () => {
  await withTempDir(async (dir) => {
    const img = await writeOciImage(join(dir, 'layout'), 't', smallImage('plain'))
    const reg = await startRegistry({ deleteEnabled: true })
    try {
      assert.match(reg.url, /^http:\/\/127\.0\.0\.1:\d+$/)
      const push = await skopeo([
        'copy',
        '--dest-tls-verify=false',
        `oci:${join(dir, 'layout')}:t`,
        `docker://${reg.host}/repo:t`,
      ])
      assert.equal(push.code, 0, push.stderr)
      const inspect = await skopeo(['inspect', '--tls-verify=false', '--raw', `docker://${reg.host}/repo:t`])
      assert.equal(inspect.code, 0, inspect.stderr)
      assert.deepEqual(JSON.parse(inspect.stdout), JSON.parse(img.manifest.toString()))
      const log = reg.requests()
      const putManifest = log.filter((e) => e.method === 'PUT' && e.path === '/v2/repo/manifests/t')
      assert.equal(putManifest.length, 1)
      assert.equal(putManifest[0]!.status, 201)
      const blobPuts = log.filter((e) => e.method === 'PUT' && e.path.startsWith('/v2/repo/blobs/uploads/'))
      assert.equal(blobPuts.length, img.layers.length + 1, 'one upload per layer + config')
      assert.ok(log.some((e) => e.method === 'GET' && e.path === '/v2/repo/manifests/t' && e.status === 200))
      assert.ok(!log.some((e) => e.userAgent === 'skiff-test-probe'), 'the startup probe is not reported')
      assert.ok(existsSync(join(reg.rootDir, 'docker/registry/v2/repositories/repo')))
      // deleteEnabled: DELETE by digest is accepted
      const del = await skopeo(['delete', '--tls-verify=false', `docker://${reg.host}/repo@${img.manifestDigest}`])
      assert.equal(del.code, 0, del.stderr)
    } finally {
      await reg.close()
      await reg.close() // idempotent
    }
    assert.ok(!existsSync(reg.dir), 'temp dir removed')
    await assert.rejects(fetch(`${reg.url}/v2/`), 'registry stopped')
  })
})

test('TLS registry: --cert-dir with the generated CA works; default verification fails', async () => {
  await withTempDir(async (dir) => {
    await writeOciImage(join(dir, 'layout'), 't', smallImage('tls'))
    const reg = await startRegistry({ tls: true })
    try {
      assert.match(reg.url, /^https:\/\/127\.0\.0\.1:\d+$/)
      assert.deepEqual(await readdir(reg.certDir!), ['ca.crt'])
      const push = await skopeo([
        'copy',
        '--dest-cert-dir',
        reg.certDir!,
        `oci:${join(dir, 'layout')}:t`,
        `docker://${reg.host}/repo:t`,
      ])
      assert.equal(push.code, 0, push.stderr)
      const inspect = await skopeo(['inspect', '--cert-dir', reg.certDir!, `docker://${reg.host}/repo:t`])
      assert.equal(inspect.code, 0, inspect.stderr)
      const untrusting = await skopeo(['inspect', `docker://${reg.host}/repo:t`])
      assert.notEqual(untrusting.code, 0)
      assert.match(untrusting.stderr, /x509|certificate/)
    } finally {
      await reg.close()
    }
  })
})

test('TLS registry signed by another CA: the certDir CA does not verify it', async () => {
  const reg = await startRegistry({ tls: { untrusted: true } })
  try {
    const r = await skopeo(['inspect', '--cert-dir', reg.certDir!, `docker://${reg.host}/repo:t`])
    assert.notEqual(r.code, 0)
    assert.match(r.stderr, /x509: certificate signed by unknown authority/)
    assert.notEqual(reg.signingCaPath, reg.caPath)
  } finally {
    await reg.close()
  }
})

test('client-certificate registry: certDir holds ca.crt + client.cert/client.key; without them the handshake fails', async () => {
  await withTempDir(async (dir) => {
    await writeOciImage(join(dir, 'layout'), 't', smallImage('mtls'))
    const reg = await startRegistry({ tls: { clientCerts: true } })
    try {
      assert.deepEqual((await readdir(reg.certDir!)).sort(), ['ca.crt', 'client.cert', 'client.key'])
      const push = await skopeo([
        'copy',
        '--dest-cert-dir',
        reg.certDir!,
        `oci:${join(dir, 'layout')}:t`,
        `docker://${reg.host}/repo:t`,
      ])
      assert.equal(push.code, 0, push.stderr)
      const caOnly = join(dir, 'ca-only')
      await mkdir(caOnly)
      await copyFile(reg.caPath!, join(caOnly, 'ca.crt'))
      const noClientCert = await skopeo(['inspect', '--cert-dir', caOnly, `docker://${reg.host}/repo:t`])
      assert.notEqual(noClientCert.code, 0)
      assert.doesNotMatch(noClientCert.stderr, /x509/, 'the server certificate is trusted; the client one is missing')
    } finally {
      await reg.close()
    }
  })
})
