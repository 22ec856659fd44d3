/**
 * Credentials and tokens are per repository: a token registry where alice may pull team-a only and
 * bob team-b only, one auth.json with both namespace entries (`REG/team-a`, `REG/team-b`), and one
 * sync pulling from both in one process: both succeed, each token asked for with the right account
 * and scope, no token used for the other repository (no 401 on a repository request).
 * Also end to end: user-info in a URL never reaches --debug output.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { startRegistry, startTokenServer, type Registry, type TokenServer } from '../../helpers/registry/index.js'
import { sha256, smallImage, writeOciImage } from '../../helpers/fixtures.js'
import { withTempDir } from '../../helpers/tools.js'
import { skiff } from '../run-skiff.js'
import { isolatedEnv } from './registry-env.js'

const b64 = (s: string) => Buffer.from(s).toString('base64')

describe('credentials per repository namespace, two pulls in one process', () => {
  let reg: Registry
  let ts: TokenServer
  const digests: Record<string, string> = {}
  before(async () => {
    ts = await startTokenServer({
      users: {
        alice: { password: 'alice-pw', access: { 'team-a/*': ['pull'] } },
        bob: { password: 'bob-pw', access: { 'team-b/*': ['pull'] } },
        admin: 'admin-pw',
      },
    })
    reg = await startRegistry({ token: ts })
    await withTempDir(async (dir) => {
      const { env } = await isolatedEnv(dir)
      for (const team of ['team-a', 'team-b']) {
        const layout = join(dir, team)
        const img = await writeOciImage(layout, 'v1', smallImage(team))
        digests[team] = img.manifestDigest
        const r = await skiff(
          [
            '--insecure-policy',
            'copy',
            '--dest-tls-verify=false',
            '--dest-creds',
            'admin:admin-pw',
            `oci:${layout}:v1`,
            `docker://${reg.host}/${team}/app:1`,
          ],
          { env },
        )
        assert.equal(r.code, 0, r.stderr)
      }
    })
  })
  after(async () => {
    await reg?.close()
    await ts?.close()
  })

  it('one sync pulls team-a as alice and team-b as bob', async () => {
    await withTempDir(async (dir) => {
      const { env } = await isolatedEnv(dir)
      const authFile = join(dir, 'auth.json')
      await writeFile(
        authFile,
        JSON.stringify({
          auths: {
            [`${reg.host}/team-a`]: { auth: b64('alice:alice-pw') },
            [`${reg.host}/team-b`]: { auth: b64('bob:bob-pw') },
          },
        }),
      )
      const yaml = join(dir, 'sync.yaml')
      await writeFile(
        yaml,
        `${reg.host}:\n  tls-verify: false\n  images:\n    team-a/app: ["1"]\n    team-b/app: ["1"]\n`,
      )
      const tokensBefore = ts.requests().length
      const logBefore = reg.requests().length
      const r = await skiff(
        [
          '--insecure-policy',
          'sync',
          '--scoped',
          '--src',
          'yaml',
          '--dest',
          'dir',
          '--src-authfile',
          authFile,
          yaml,
          join(dir, 'out'),
        ],
        { env },
      )
      assert.equal(r.code, 0, r.stderr)
      for (const team of ['team-a', 'team-b']) {
        const m = await readFile(join(dir, 'out', reg.host, team, 'app:1', 'manifest.json'))
        assert.equal(sha256(m), digests[team], `${team} pulled`)
      }
      const tokens = ts.requests().slice(tokensBefore)
      const byRepo = (team: string) =>
        tokens.filter((t) => t.scopes.some((s) => s.startsWith(`repository:${team}/app:`)))
      assert.ok(
        byRepo('team-a').length >= 1 && byRepo('team-a').every((t) => t.account === 'alice' && t.status === 200),
        JSON.stringify(byRepo('team-a')),
      )
      assert.ok(
        byRepo('team-b').length >= 1 && byRepo('team-b').every((t) => t.account === 'bob' && t.status === 200),
        JSON.stringify(byRepo('team-b')),
      )
      assert.ok(
        tokens.every((t) => t.scopes.every((s) => !s.includes('team-a') || !s.includes('team-b'))),
        'no token for both repositories',
      )
      // each token was used for its own repository only: no repository request was refused
      const refused = reg
        .requests()
        .slice(logBefore)
        .filter((e) => e.path.startsWith('/v2/team-') && e.status === 401)
      assert.deepEqual(refused, [], 'a token or credentials of one repository were used for the other')
      // one token per repository for the whole pull (cached per scope)
      assert.equal(byRepo('team-a').length, 1, JSON.stringify(tokens.map((t) => t.scopes)))
      assert.equal(byRepo('team-b').length, 1, JSON.stringify(tokens.map((t) => t.scopes)))
    })
  })

  it('--debug never shows user-info of a URL (a token realm with user:password@)', async () => {
    // a second registry whose token realm carries user-info (some setups put a service account there)
    const realm = new URL(ts.realm)
    realm.username = 'svc-user'
    realm.password = 'realm-S3cret-pw'
    const withUserinfo = await startRegistry({ token: { ...ts, realm: realm.href, close: async () => {} } })
    try {
      await withTempDir(async (dir) => {
        const { env } = await isolatedEnv(dir)
        const r = await skiff(
          [
            '--debug',
            'inspect',
            '--raw',
            '--tls-verify=false',
            '--creds',
            'admin:admin-pw',
            `docker://${withUserinfo.host}/team-a/app:1`,
          ],
          { env },
        )
        assert.match(
          r.stderr,
          // the HTTP layer logs origin + path, so a realm's user-info is not even there to redact
          /skiff: debug: registry: > GET http:\/\/127\.0\.0\.1:\d+\/token/,
          'the token request is logged, without user-info',
        )
        assert.ok(!r.stderr.includes('realm-S3cret-pw'), 'the password in the URL never appears')
        assert.ok(!r.stderr.includes('svc-user:'), 'nor the user-info')
        assert.ok(!r.stderr.includes(b64('admin:admin-pw')), 'nor the Basic credentials')
      })
    } finally {
      await withUserinfo.close()
    }
  })
})
