import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import {
  getCredentialsForKey,
  helperGet,
  helperList,
  removeAllCredentials,
  removeCredentials,
  setCredentials,
} from '../../../src/config/auth/index.js'
import { run, withTempDir } from '../../helpers/tools.js'
import { b64, installHelper, makeEnv, writeJson } from './fixtures.js'

const calls = async (log: string) => (await readFile(log, 'utf8').catch(() => '')).trim().split('\n').filter(Boolean)

describe('credential helpers (docker-credential-<name>)', () => {
  it('credHelpers: login stores in the helper, lookup gets from it, logout erases — skopeo agrees', async () => {
    await withTempDir(async (dir) => {
      const t = await makeEnv(dir)
      await installHelper(dir)
      const file = join(t.run, 'containers', 'auth.json')
      await writeJson(file, { auths: {}, credHelpers: { 'reg.example.com': 'testhelper' } })
      const where = await setCredentials('reg.example.com', 'carol', 'pa ss', { env: t.env })
      assert.equal(where, 'credential helper: testhelper')
      // nothing written into the file
      assert.deepEqual(JSON.parse(await readFile(file, 'utf8')).auths, {})
      const c = await getCredentialsForKey('reg.example.com/ns/app', { env: t.env })
      assert.deepEqual(c, {
        kind: 'basic',
        username: 'carol',
        password: 'pa ss',
        source: 'credential helper testhelper',
      })
      const r = await run('skopeo', ['login', '--get-login', 'reg.example.com'], { env: t.env })
      assert.equal(r.stdout.trim(), 'carol', r.stderr)
      assert.equal(await removeCredentials('reg.example.com', { env: t.env }), true)
      assert.equal(await getCredentialsForKey('reg.example.com', { env: t.env }), undefined)
      assert.deepEqual(await calls(t.log), [
        'store reg.example.com',
        'get reg.example.com',
        'get reg.example.com',
        'erase reg.example.com',
        'get reg.example.com',
      ])
    })
  })

  it('a credHelpers entry decides alone: "not found" means no credentials, not the auths entry', async () => {
    await withTempDir(async (dir) => {
      const t = await makeEnv(dir)
      await installHelper(dir)
      await writeJson(join(t.run, 'containers', 'auth.json'), {
        auths: { 'reg.example.com': { auth: b64('stale:x') } },
        credHelpers: { 'reg.example.com': 'testhelper' },
      })
      assert.equal(await getCredentialsForKey('reg.example.com', { env: t.env }), undefined)
      // ...but a later file may still answer (as containers/image)
      await writeJson(join(t.home, '.docker', 'config.json'), {
        auths: { 'reg.example.com': { auth: b64('docker:y') } },
      })
      assert.equal((await getCredentialsForKey('reg.example.com', { env: t.env }))?.username, 'docker')
    })
  })

  it("credsStore (Docker): used for every registry, docker.io under Docker's URL key; falls back to auths", async () => {
    await withTempDir(async (dir) => {
      const t = await makeEnv(dir)
      await installHelper(dir)
      const cfg = join(t.home, '.docker', 'config.json')
      await writeJson(cfg, { auths: { 'other.example': { auth: b64('file:z') } }, credsStore: 'testhelper' })
      // `docker login` with a store writes Docker Hub under https://index.docker.io/v1/
      await setCredentials('docker.io', 'hubuser', 'hubpw', { env: t.env, authFile: cfg })
      const c = await getCredentialsForKey('docker.io/library/busybox', { env: t.env })
      assert.deepEqual(c?.kind === 'basic' && [c.username, c.password], ['hubuser', 'hubpw'])
      assert.deepEqual(await helperList('testhelper', { env: t.env }), { 'https://index.docker.io/v1/': 'hubuser' })
      assert.equal((await getCredentialsForKey('other.example', { env: t.env }))?.username, 'file')
      assert.equal(await removeCredentials('docker.io', { env: t.env, authFile: cfg }), true)
      assert.deepEqual(await helperList('testhelper', { env: t.env }), {})
      assert.equal(JSON.parse(await readFile(cfg, 'utf8')).credsStore, 'testhelper')
    })
  })

  it('a credsStore that is not installed is ignored (the file entries are used)', async () => {
    await withTempDir(async (dir) => {
      const t = await makeEnv(dir)
      await writeJson(join(t.home, '.docker', 'config.json'), {
        auths: { 'r.example': { auth: b64('u:p') } },
        credsStore: 'desktop-not-here',
      })
      assert.equal((await getCredentialsForKey('r.example', { env: t.env }))?.username, 'u')
    })
  })

  it('a missing credHelpers program is an error naming it', async () => {
    await withTempDir(async (dir) => {
      const t = await makeEnv(dir)
      await writeJson(join(t.run, 'containers', 'auth.json'), { auths: {}, credHelpers: { 'r.example': 'nothere' } })
      await assert.rejects(
        getCredentialsForKey('r.example', { env: t.env }),
        (e: Error & { code?: string }) =>
          e.code === 'ERR_CREDENTIAL_HELPER' && /docker-credential-nothere not found/.test(e.message),
      )
    })
  })

  it('a helper failure other than "not found" is an error with its message', async () => {
    await withTempDir(async (dir) => {
      const t = await makeEnv(dir)
      const p = await installHelper(dir, 'broken')
      await writeFile(p, '#!/bin/sh\necho "keychain locked"\nexit 3\n')
      await writeJson(join(t.run, 'containers', 'auth.json'), { auths: {}, credHelpers: { 'r.example': 'broken' } })
      await assert.rejects(getCredentialsForKey('r.example', { env: t.env }), /keychain locked/)
    })
  })

  it('"<token>" from a helper is an identity token', async () => {
    await withTempDir(async (dir) => {
      const t = await makeEnv(dir)
      await installHelper(dir)
      await setCredentials('t.example', '<token>', 'refresh-xyz', { env: t.env, credentialHelpers: ['testhelper'] })
      assert.deepEqual(await helperGet('testhelper', 't.example', { env: t.env }), {
        serverURL: 't.example',
        username: '<token>',
        secret: 'refresh-xyz',
      })
      assert.deepEqual(await getCredentialsForKey('t.example/app', { env: t.env, credentialHelpers: ['testhelper'] }), {
        kind: 'identityToken',
        username: '<token>',
        token: 'refresh-xyz',
        source: 'credential helper testhelper',
      })
    })
  })

  it('registries.conf credential-helpers: tried in order; namespaced keys are refused for helpers', async () => {
    await withTempDir(async (dir) => {
      const t = await makeEnv(dir)
      await installHelper(dir)
      const helpers = ['testhelper', 'containers-auth.json']
      await writeJson(join(t.run, 'containers', 'auth.json'), { auths: { 'f.example': { auth: b64('fromfile:p') } } })
      assert.equal(
        (await getCredentialsForKey('f.example', { env: t.env, credentialHelpers: helpers }))?.username,
        'fromfile',
      )
      await setCredentials('f.example', 'fromhelper', 'p', { env: t.env, credentialHelpers: helpers })
      assert.equal(
        (await getCredentialsForKey('f.example', { env: t.env, credentialHelpers: helpers }))?.username,
        'fromhelper',
      )
      // a namespaced key cannot go to the helper, so it lands in the auth file (next in the list)
      const where = await setCredentials('f.example/ns', 'ns', 'p', { env: t.env, credentialHelpers: helpers })
      assert.equal(where, join(t.run, 'containers', 'auth.json'))
      await assert.rejects(
        setCredentials('f.example/ns', 'ns', 'p', { env: t.env, credentialHelpers: ['testhelper'] }),
        /namespaced key is not supported/,
      )
      await removeAllCredentials({ env: t.env, credentialHelpers: helpers })
      assert.deepEqual(await helperList('testhelper', { env: t.env }), {})
      assert.equal(await getCredentialsForKey('f.example', { env: t.env, credentialHelpers: helpers }), undefined)
    })
  })
})
