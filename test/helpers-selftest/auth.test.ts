/** htpasswd and token auth on the real registry, with skopeo as the client. */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { smallImage, writeOciImage } from '../helpers/fixtures.js'
import { decodeJwtClaims, startRegistry } from '../helpers/registry/index.js'
import { skopeo, withTempDir } from '../helpers/tools.js'

test('htpasswd registry: the right password pushes and inspects, a wrong one is refused', async () => {
  await withTempDir(async (dir) => {
    await writeOciImage(join(dir, 'layout'), 't', smallImage('basic'))
    const reg = await startRegistry({ htpasswd: { alice: 's3cret' } })
    try {
      const push = await skopeo([
        'copy',
        '--dest-tls-verify=false',
        '--dest-creds',
        'alice:s3cret',
        `oci:${join(dir, 'layout')}:t`,
        `docker://${reg.host}/repo:t`,
      ])
      assert.equal(push.code, 0, push.stderr)
      const ok = await skopeo([
        'inspect',
        '--tls-verify=false',
        '--creds',
        'alice:s3cret',
        `docker://${reg.host}/repo:t`,
      ])
      assert.equal(ok.code, 0, ok.stderr)
      const wrong = await skopeo([
        'inspect',
        '--tls-verify=false',
        '--creds',
        'alice:nope',
        `docker://${reg.host}/repo:t`,
      ])
      assert.notEqual(wrong.code, 0)
      assert.match(wrong.stderr, /unauthorized|authentication required/i)
      assert.ok(reg.requests().some((e) => e.status === 401))
    } finally {
      await reg.close()
    }
  })
})

test('token registry: credentials get scoped tokens, permissions and wrong passwords are honoured, tokens expire as configured', async () => {
  await withTempDir(async (dir) => {
    await writeOciImage(join(dir, 'layout'), 't', smallImage('token'))
    const reg = await startRegistry({
      token: {
        users: { alice: 's3cret', reader: { password: 'r', access: { repo: ['pull'] } } },
        anonymous: { 'public/*': ['pull'] },
        tokenLifetime: 1,
      },
    })
    const ts = reg.tokenServer!
    try {
      const src = `oci:${join(dir, 'layout')}:t`
      const push = await skopeo([
        'copy',
        '--dest-tls-verify=false',
        '--dest-creds',
        'alice:s3cret',
        src,
        `docker://${reg.host}/repo:t`,
      ])
      assert.equal(push.code, 0, push.stderr)
      const issued = ts.requests().filter((r) => r.status === 200)
      assert.ok(issued.length > 0)
      assert.ok(
        issued.some((r) => r.account === 'alice' && r.scopes.includes('repository:repo:pull,push')),
        JSON.stringify(ts.requests().map((r) => r.scopes)),
      )
      const claims = decodeJwtClaims(issued.at(-1)!.token!)
      assert.equal(claims.aud, ts.service)
      assert.equal(claims.iss, ts.issuer)

      const read = await skopeo(['inspect', '--tls-verify=false', '--creds', 'reader:r', `docker://${reg.host}/repo:t`])
      assert.equal(read.code, 0, read.stderr)
      const denied = await skopeo([
        'copy',
        '--dest-tls-verify=false',
        '--dest-creds',
        'reader:r',
        src,
        `docker://${reg.host}/repo:other`,
      ])
      assert.notEqual(denied.code, 0, 'reader may not push')
      const wrong = await skopeo([
        'inspect',
        '--tls-verify=false',
        '--creds',
        'alice:nope',
        `docker://${reg.host}/repo:t`,
      ])
      assert.notEqual(wrong.code, 0)
      assert.ok(ts.requests().some((r) => r.status === 401 && r.credentials === 'basic'))

      // OAuth2 POST: password grant with access_type=offline returns a refresh token, which works
      const form = (f: Record<string, string>) => ({
        method: 'POST',
        body: new URLSearchParams(f),
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      })
      const pw = (await (
        await fetch(
          ts.realm,
          form({
            grant_type: 'password',
            username: 'alice',
            password: 's3cret',
            service: ts.service,
            scope: 'repository:repo:pull',
            client_id: 'skiff',
            access_type: 'offline',
          }),
        )
      ).json()) as Record<string, string>
      assert.ok(pw.refresh_token && pw.access_token)
      const rt = await fetch(
        ts.realm,
        form({
          grant_type: 'refresh_token',
          refresh_token: pw.refresh_token,
          service: ts.service,
          scope: 'repository:repo:pull',
          client_id: 'skiff',
        }),
      )
      assert.equal(rt.status, 200)
      const token = ((await rt.json()) as Record<string, string>).access_token!
      const manifest = (t: string) =>
        fetch(`${reg.url}/v2/repo/manifests/t`, {
          method: 'HEAD',
          headers: { Authorization: `Bearer ${t}`, Accept: 'application/vnd.oci.image.manifest.v1+json' },
        })
      assert.equal((await manifest(token)).status, 200)
      // anonymous: allowed on public/*, nothing elsewhere
      const anon = (await (
        await fetch(`${ts.realm}?service=${ts.service}&scope=repository:public/x:pull&scope=repository:repo:pull`)
      ).json()) as Record<string, string>
      assert.deepEqual(decodeJwtClaims(anon.token!).access, [
        { type: 'repository', name: 'public/x', actions: ['pull'] },
      ])
      // tokenLifetime 1: distribution's 60 s leeway is compensated, the registry refuses the token soon after
      await new Promise((r) => setTimeout(r, 2100))
      assert.equal((await manifest(token)).status, 401)
    } finally {
      await reg.close()
    }
  })
})
