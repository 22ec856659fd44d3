import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { startRegistry, type Registry } from '../../helpers/registry/index.js'
import { sha256, smallImage, writeOciImage } from '../../helpers/fixtures.js'
import { copy } from '../../helpers/skiff.js'
import { skopeo, withTempDir } from '../../helpers/tools.js'
import { isSkiffError } from '../../../src/errors.js'
import { newContext } from '../../../src/registry/context.js'
import type { TransportOptions } from '../../../src/transports/types.js'
import { insecure, isolateCache } from './helpers.js'

const both = (o: TransportOptions) => ({ source: o, destination: o })
const code = (c: string) => (e: unknown) => isSkiffError(e) && e.code === c

describe('docker:// with htpasswd Basic auth', () => {
  let reg: Registry
  let restore: () => void
  before(async () => {
    restore = isolateCache()
    reg = await startRegistry({ htpasswd: { alice: 's3cret-pass' } })
  })
  after(async () => {
    await reg?.close()
    restore()
  })

  it('pushes and pulls with the right password; skopeo agrees', async () => {
    await withTempDir(async (dir) => {
      const layout = join(dir, 'l')
      const img = await writeOciImage(layout, 'v1', smallImage('basic'))
      const opts: TransportOptions = {
        registry: { tlsVerify: false, credentials: { username: 'alice', password: 's3cret-pass' } },
      }
      await copy(`oci:${layout}:v1`, `docker://${reg.host}/basic:1`, both(opts))
      const raw = await skopeo([
        'inspect',
        '--raw',
        '--tls-verify=false',
        '--creds',
        'alice:s3cret-pass',
        `docker://${reg.host}/basic:1`,
      ])
      assert.equal(sha256(raw.stdout), img.manifestDigest)
      const back = await copy(`docker://${reg.host}/basic:1`, `dir:${join(dir, 'd')}`, both(opts))
      assert.equal(back.manifestDigest, img.manifestDigest)
    })
  })

  it('reads credentials from an auth file (--authfile)', async () => {
    await withTempDir(async (dir) => {
      const authFile = join(dir, 'auth.json')
      const { writeFile } = await import('node:fs/promises')
      await writeFile(
        authFile,
        JSON.stringify({ auths: { [reg.host]: { auth: Buffer.from('alice:s3cret-pass').toString('base64') } } }),
      )
      const res = await copy(
        `docker://${reg.host}/basic:1`,
        `dir:${join(dir, 'd')}`,
        both({ registry: { tlsVerify: false, authFile } }),
      )
      assert.match(res.manifestDigest, /^sha256:/)
      // --no-creds ignores it
      await assert.rejects(
        copy(
          `docker://${reg.host}/basic:1`,
          `dir:${join(dir, 'e')}`,
          both({ registry: { tlsVerify: false, authFile, anonymous: true } }),
        ),
        code('ERR_UNAUTHORIZED'),
      )
    })
  })

  it('a wrong password or none fails with ERR_UNAUTHORIZED naming the image', async () => {
    await withTempDir(async (dir) => {
      const bad: TransportOptions = {
        registry: { tlsVerify: false, credentials: { username: 'alice', password: 'wrong' } },
      }
      await assert.rejects(
        copy(`docker://${reg.host}/basic:1`, `dir:${join(dir, 'a')}`, both(bad)),
        (e: unknown) => code('ERR_UNAUTHORIZED')(e) && (e as Error).message.includes(`${reg.host}/basic`),
      )
      await assert.rejects(
        copy(`docker://${reg.host}/basic:1`, `dir:${join(dir, 'b')}`, both(insecure)),
        code('ERR_UNAUTHORIZED'),
      )
    })
  })
})

describe('docker:// with token auth', () => {
  let reg: Registry
  let restore: () => void
  before(async () => {
    restore = isolateCache()
    reg = await startRegistry({ token: { users: { bob: 'tok-pass-123' }, anonymous: { 'public/*': ['pull'] } } })
  })
  after(async () => {
    await reg?.close()
    restore()
  })
  const bob: TransportOptions = {
    registry: { tlsVerify: false, credentials: { username: 'bob', password: 'tok-pass-123' } },
  }

  it('pushes and pulls with a token per scope, fetched once and cached', async () => {
    await withTempDir(async (dir) => {
      const layout = join(dir, 'l')
      const img = await writeOciImage(layout, 'v1', smallImage('token'))
      const ts = reg.tokenServer!
      const before = ts.requests().length
      await copy(`oci:${layout}:v1`, `docker://${reg.host}/private/app:1`, both(bob))
      const push = ts.requests().slice(before)
      assert.equal(push.length, 1, `one token for a whole push: ${JSON.stringify(push.map((r) => r.scopes))}`)
      assert.ok(push.every((r) => r.credentials === 'basic' && r.status === 200 && r.account === 'bob'))
      assert.ok(push.some((r) => r.scopes.includes('repository:private/app:pull,push')))
      const mid = ts.requests().length
      const back = await copy(`docker://${reg.host}/private/app:1`, `dir:${join(dir, 'd')}`, both(bob))
      assert.equal(back.manifestDigest, img.manifestDigest)
      const pull = ts.requests().slice(mid)
      assert.equal(pull.length, 1, `one token for the whole pull: ${JSON.stringify(pull.map((r) => r.scopes))}`)
      assert.deepEqual(pull[0]!.scopes, ['repository:private/app:pull'])
      const raw = await skopeo([
        'inspect',
        '--raw',
        '--tls-verify=false',
        '--creds',
        'bob:tok-pass-123',
        `docker://${reg.host}/private/app:1`,
      ])
      assert.equal(sha256(raw.stdout), img.manifestDigest)
    })
  })

  it('anonymous pulls work where the token server allows them; pushes are refused clearly', async () => {
    await withTempDir(async (dir) => {
      const layout = join(dir, 'l')
      const img = await writeOciImage(layout, 'v1', smallImage('public'))
      await copy(`oci:${layout}:v1`, `docker://${reg.host}/public/app:1`, both(bob))
      const anon = await copy(`docker://${reg.host}/public/app:1`, `dir:${join(dir, 'd')}`, both(insecure))
      assert.equal(anon.manifestDigest, img.manifestDigest)
      await assert.rejects(
        copy(`oci:${layout}:v1`, `docker://${reg.host}/public/app:2`, both(insecure)),
        code('ERR_UNAUTHORIZED'),
      )
    })
  })

  it('a wrong password fails at the token server with ERR_UNAUTHORIZED', async () => {
    await withTempDir(async (dir) => {
      const bad: TransportOptions = {
        registry: { tlsVerify: false, credentials: { username: 'bob', password: 'nope' } },
      }
      await assert.rejects(
        copy(`docker://${reg.host}/private/app:1`, `dir:${join(dir, 'x')}`, both(bad)),
        (e: unknown) => code('ERR_UNAUTHORIZED')(e) && /invalid username\/password/.test((e as Error).message),
      )
    })
  })

  it('exchanges an identity (refresh) token with an OAuth2 POST', async () => {
    const ts = reg.tokenServer!
    const r = await fetch(`${ts.realm}?service=${encodeURIComponent(ts.service)}&offline_token=true&client_id=test`, {
      headers: { authorization: `Basic ${Buffer.from('bob:tok-pass-123').toString('base64')}` },
    })
    const refresh = ((await r.json()) as { refresh_token: string }).refresh_token
    assert.ok(refresh)
    await withTempDir(async (dir) => {
      const before = ts.requests().length
      const opts: TransportOptions = { registry: { tlsVerify: false } }
      const { RegistryClient } = await import('../../../src/registry/client.js')
      const { Repository } = await import('../../../src/registry/repository.js')
      const client = await RegistryClient.create(reg.host, {
        ...opts.registry,
        credentialSource: async () => ({ username: '<token>', password: '', identityToken: refresh }),
      })
      try {
        const repo = new Repository(client, 'private/app', `docker://${reg.host}/private/app:1`)
        const m = await repo.getManifest('1')
        assert.ok(m.bytes.length > 0)
      } finally {
        await client.close()
      }
      const used = ts.requests().slice(before)
      assert.ok(
        used.length >= 1 &&
          used.every((x) => x.method === 'POST' && x.credentials === 'refresh_token' && x.status === 200),
        JSON.stringify(used.map((x) => [x.method, x.credentials, x.status])),
      )
      void dir
    })
  })

  it('debug logging never shows the password or a token', async () => {
    const lines: string[] = []
    const context = newContext({ debugLog: (l) => lines.push(l) })
    try {
      await withTempDir(async (dir) => {
        const ts = reg.tokenServer!
        const before = ts.requests().length
        await copy(`docker://${reg.host}/private/app:1`, `dir:${join(dir, 'd')}`, { ...both(bob), context })
        const tokens = ts
          .requests()
          .slice(before)
          .map((r) => r.token)
          .filter((t): t is string => !!t)
        assert.ok(tokens.length > 0, 'tokens were issued')
        assert.ok(
          lines.length > 5 && lines.some((l) => /authorization/i.test(l)),
          'debug lines were written, with (redacted) Authorization headers',
        )
        const all = lines.join('\n')
        assert.ok(!all.includes('tok-pass-123'), 'the password leaked into the debug log')
        assert.ok(
          !all.includes(Buffer.from('bob:tok-pass-123').toString('base64')),
          'Basic credentials leaked into the debug log',
        )
        for (const t of tokens) {
          assert.ok(!all.includes(t), 'a token leaked into the debug log')
          assert.ok(!all.includes(t.slice(-20)), 'a token signature leaked into the debug log')
        }
      })
    } finally {
      await context.close()
    }
  })
})

describe('docker:// token refresh on 401', () => {
  let reg: Registry
  let restore: () => void
  before(async () => {
    restore = isolateCache()
    // the registry stops accepting a token 2–3 s after issue, while the client thinks it valid for 60 s
    reg = await startRegistry({ token: { users: { carol: 'pw-carol-9' }, expiresIn: 60, tokenLifetime: 2 } })
  })
  after(async () => {
    await reg?.close()
    restore()
  })

  it('gets a new token when the registry answers 401 to a cached one', async () => {
    await withTempDir(async (dir) => {
      const layout = join(dir, 'l')
      const img = await writeOciImage(layout, 'v1', smallImage('refresh'))
      const opts: TransportOptions = {
        registry: { tlsVerify: false, credentials: { username: 'carol', password: 'pw-carol-9' } },
      }
      const { parseImageName } = await import('../../../src/transports/registry.js')
      await copy(`oci:${layout}:v1`, `docker://${reg.host}/r/app:1`, both(opts))
      const src = await parseImageName(`docker://${reg.host}/r/app:1`).newImageSource(opts)
      try {
        await src.getManifest()
        const n = reg.tokenServer!.requests().length
        await new Promise((r) => setTimeout(r, 3200))
        const m = await src.getManifest(img.manifestDigest)
        assert.equal(sha256(m.bytes), img.manifestDigest)
        assert.equal(reg.tokenServer!.requests().length, n + 1, 'one new token after the 401')
      } finally {
        await src.close()
      }
    })
  })
})
