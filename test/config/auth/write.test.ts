import assert from 'node:assert/strict'
import { chmod, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import {
  getCredentialsForKey,
  removeAllCredentials,
  removeCredentials,
  setCredentials,
} from '../../../src/config/auth/index.js'
import { run, withTempDir } from '../../helpers/tools.js'
import { b64, makeEnv, writeJson } from './fixtures.js'

const mode = async (p: string) => (await stat(p)).mode & 0o777

describe('setCredentials / removeCredentials (login / logout)', () => {
  it('writes ${XDG_RUNTIME_DIR}/containers/auth.json with mode 0600 in a 0700 directory, readable by skopeo', async () => {
    await withTempDir(async (dir) => {
      const t = await makeEnv(dir)
      const where = await setCredentials('reg.example.com:5000', 'alice', 's3cret:x', { env: t.env })
      const file = join(t.run, 'containers', 'auth.json')
      assert.equal(where, file)
      assert.equal(await mode(file), 0o600)
      assert.equal(await mode(join(t.run, 'containers')), 0o700)
      const doc = JSON.parse(await readFile(file, 'utf8'))
      assert.deepEqual(doc, { auths: { 'reg.example.com:5000': { auth: b64('alice:s3cret:x') } } })
      const r = await run('skopeo', ['login', '--get-login', 'reg.example.com:5000'], { env: t.env })
      assert.equal(r.stdout.trim(), 'alice')
      const c = await getCredentialsForKey('reg.example.com:5000/app', { env: t.env })
      assert.deepEqual(c?.kind === 'basic' && [c.username, c.password], ['alice', 's3cret:x'])
      // no temp files left beside it
      assert.deepEqual(await readdir(join(t.run, 'containers')), ['auth.json'])
    })
  })

  it('keeps other keys and unknown fields, replaces a world-readable file with a 0600 one', async () => {
    await withTempDir(async (dir) => {
      const t = await makeEnv(dir)
      const file = join(dir, 'cfg', 'config.json')
      const original = {
        auths: { 'keep.example': { auth: b64('k:v'), email: 'k@example' } },
        credHelpers: { 'gcr.io': 'gcloud' },
        HttpHeaders: { 'User-Agent': 'x' },
        detachKeys: 'ctrl-p',
      }
      await writeJson(file, original)
      await chmod(file, 0o644)
      await setCredentials('new.example/ns', 'bob', 'pw', { env: t.env, authFile: file })
      assert.equal(await mode(file), 0o600)
      const doc = JSON.parse(await readFile(file, 'utf8'))
      assert.deepEqual(doc, { ...original, auths: { ...original.auths, 'new.example/ns': { auth: b64('bob:pw') } } })
      assert.equal(await removeCredentials('new.example/ns', { env: t.env, authFile: file }), true)
      assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), original)
      assert.equal(await removeCredentials('new.example/ns', { env: t.env, authFile: file }), false)
    })
  })

  it('logout of what skopeo login wrote, and skopeo logout of what skiff wrote', async () => {
    await withTempDir(async (dir) => {
      const t = await makeEnv(dir)
      const file = join(dir, 'auth.json')
      await setCredentials('a.example', 'u1', 'p1', { env: t.env, authFile: file })
      await setCredentials('b.example/team', 'u2', 'p2', { env: t.env, authFile: file })
      const r = await run('skopeo', ['logout', '--authfile', file, 'a.example'], { env: t.env })
      assert.equal(r.code, 0, r.stderr)
      assert.equal(await getCredentialsForKey('a.example', { env: t.env, authFile: file }), undefined)
      assert.equal((await getCredentialsForKey('b.example/team/app', { env: t.env, authFile: file }))?.username, 'u2')
      assert.equal(await removeCredentials('b.example/team', { env: t.env, authFile: file }), true)
      const r2 = await run('skopeo', ['login', '--get-login', '--authfile', file, 'b.example/team'], { env: t.env })
      assert.notEqual(r2.code, 0)
      assert.match(r2.stderr, /not logged into/)
    })
  })

  it('logout of docker.io removes a key written by docker login', async () => {
    await withTempDir(async (dir) => {
      const t = await makeEnv(dir)
      const file = join(dir, 'config.json')
      await writeJson(file, {
        auths: { 'https://index.docker.io/v1/': { auth: b64('d:p') }, 'docker.io/ns': { auth: b64('n:p') } },
      })
      assert.equal(await removeCredentials('docker.io', { env: t.env, authFile: file }), true)
      assert.deepEqual(JSON.parse(await readFile(file, 'utf8')).auths, { 'docker.io/ns': { auth: b64('n:p') } })
    })
  })

  it('removeAllCredentials empties auths and credHelpers but keeps other fields', async () => {
    await withTempDir(async (dir) => {
      const t = await makeEnv(dir)
      const file = join(t.run, 'containers', 'auth.json')
      await writeJson(file, {
        auths: { 'a.example': { auth: b64('a:b') }, 'b.example/x': { auth: b64('c:d') } },
        other: 1,
      })
      await removeAllCredentials({ env: t.env })
      assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), { auths: {}, other: 1 })
      assert.equal(await mode(file), 0o600)
    })
  })

  it('refuses to write when $XDG_RUNTIME_DIR does not exist, and leaves nothing behind on a read-only directory', async () => {
    await withTempDir(async (dir) => {
      const t = await makeEnv(dir)
      await assert.rejects(
        setCredentials('a.example', 'u', 'p', { env: { ...t.env, XDG_RUNTIME_DIR: join(dir, 'nope') } }),
        /XDG_RUNTIME_DIR does not exist/,
      )
      if (process.getuid?.() === 0) return // root writes anywhere
      const ro = join(dir, 'ro')
      await mkdir(ro)
      await writeFile(join(ro, 'auth.json'), '{"auths":{}}')
      await chmod(ro, 0o500)
      try {
        await assert.rejects(
          setCredentials('a.example', 'u', 'p', { env: t.env, authFile: join(ro, 'auth.json') }),
          /writing to file/,
        )
        assert.deepEqual(await readdir(ro), ['auth.json'])
      } finally {
        await chmod(ro, 0o700)
      }
    })
  })
})
