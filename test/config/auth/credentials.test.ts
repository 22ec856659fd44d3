import assert from 'node:assert/strict'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import {
  authFileLookupPaths,
  getCredentials,
  getCredentialsForKey,
  loginAuthFile,
  primaryAuthFile,
} from '../../../src/config/auth/index.js'
import { run, withTempDir } from '../../helpers/tools.js'
import { b64, makeEnv, writeJson } from './fixtures.js'

/** skopeo's own answer (the oracle): the username it would use for KEY, or undefined. */
async function skopeoLogin(env: NodeJS.ProcessEnv, key: string, authFile?: string): Promise<string | undefined> {
  const args = ['login', '--get-login', ...(authFile ? ['--authfile', authFile] : []), key]
  const r = await run('skopeo', args, { env: { ...env, REGISTRY_AUTH_FILE: env.REGISTRY_AUTH_FILE ?? '' } })
  return r.code === 0 ? r.stdout.trim() : undefined
}

const entry = (user: string) => ({ auth: b64(`${user}:pw-${user}`) })

describe('auth lookup order', () => {
  it('reads XDG_RUNTIME_DIR, then ~/.config, then ~/.docker/config.json, then ~/.dockercfg — as skopeo', async () => {
    await withTempDir(async (dir) => {
      const t = await makeEnv(dir)
      const files = [
        join(t.run, 'containers', 'auth.json'),
        join(t.home, '.config', 'containers', 'auth.json'),
        join(t.home, '.docker', 'config.json'),
      ]
      for (const [i, f] of files.entries()) await writeJson(f, { auths: { 'reg.example.com': entry(`user${i}`) } })
      await writeJson(join(t.home, '.dockercfg'), { 'https://reg.example.com/v1/': entry('user3') })
      assert.deepEqual(
        authFileLookupPaths({ env: t.env }).map((p) => p.path),
        [...files, join(t.home, '.dockercfg')],
      )
      for (let i = 0; i < 4; i++) {
        const c = await getCredentials({ registry: 'reg.example.com', repository: 'app' }, { env: t.env })
        assert.equal(c?.kind, 'basic')
        assert.equal(c.username, `user${i}`)
        assert.equal(c.kind === 'basic' && c.password, `pw-user${i}`)
        assert.equal(await skopeoLogin(t.env, 'reg.example.com'), `user${i}`)
        if (i < 3) await rm(files[i]!)
      }
      await rm(join(t.home, '.dockercfg'))
      assert.equal(await getCredentials({ registry: 'reg.example.com', repository: 'app' }, { env: t.env }), undefined)
    })
  })

  it('uses $DOCKER_CONFIG/config.json instead of ~/.docker and honours $XDG_CONFIG_HOME', async () => {
    await withTempDir(async (dir) => {
      const t = await makeEnv(dir)
      await writeJson(join(t.home, '.docker', 'config.json'), { auths: { 'r.example': entry('homedocker') } })
      await writeJson(join(dir, 'dc', 'config.json'), { auths: { 'r.example': entry('dockerconfig') } })
      const env = { ...t.env, DOCKER_CONFIG: join(dir, 'dc') }
      assert.equal((await getCredentialsForKey('r.example', { env }))?.username, 'dockerconfig')
      // skopeo login/logout default --authfile to $DOCKER_CONFIG/config.json (containers/common)
      assert.equal(loginAuthFile({ env }), join(dir, 'dc', 'config.json'))
      assert.equal(await skopeoLogin(env, 'r.example'), 'dockerconfig')
      await writeJson(join(dir, 'xdg', 'containers', 'auth.json'), { auths: { 'r.example': entry('xdg') } })
      const env2 = { ...env, XDG_CONFIG_HOME: join(dir, 'xdg') }
      assert.equal((await getCredentialsForKey('r.example', { env: env2 }))?.username, 'xdg')
      assert.equal(
        (await getCredentialsForKey('r.example', { env: env2, authFile: loginAuthFile({ env: env2 }) }))?.username,
        'dockerconfig',
      )
      assert.equal(await skopeoLogin(env2, 'r.example'), 'dockerconfig')
      const env3 = { ...t.env, XDG_CONFIG_HOME: join(dir, 'xdg') }
      assert.equal(loginAuthFile({ env: env3 }), undefined)
      assert.equal((await getCredentialsForKey('r.example', { env: env3 }))?.username, 'xdg')
      assert.equal(await skopeoLogin(env3, 'r.example'), 'xdg')
    })
  })

  it('--authfile and $REGISTRY_AUTH_FILE replace the primary file; the read-only fallbacks follow — as skopeo', async () => {
    await withTempDir(async (dir) => {
      const t = await makeEnv(dir)
      await writeJson(join(t.run, 'containers', 'auth.json'), { auths: { 'r.example': entry('primary') } })
      const own = join(dir, 'own.json')
      await writeJson(own, { auths: { 'other.example': entry('own') } })
      assert.equal(await getCredentialsForKey('r.example', { env: t.env, authFile: own }), undefined)
      assert.equal(await skopeoLogin(t.env, 'r.example', own), undefined)
      assert.equal((await getCredentialsForKey('other.example', { env: t.env, authFile: own }))?.username, 'own')
      const env = { ...t.env, REGISTRY_AUTH_FILE: own }
      assert.equal(await getCredentialsForKey('r.example', { env }), undefined)
      assert.equal(primaryAuthFile({ env }), own)
      // --authfile beats the variable
      assert.equal(
        (await getCredentialsForKey('r.example', { env, authFile: join(t.run, 'containers', 'auth.json') }))?.username,
        'primary',
      )
      // the fallbacks after the override (containers-auth.json(5)); the runtime file is not among them
      assert.deepEqual(
        authFileLookupPaths({ env: t.env, authFile: own }).map((p) => p.path),
        [
          own,
          join(t.home, '.config', 'containers', 'auth.json'),
          join(t.home, '.docker', 'config.json'),
          join(t.home, '.dockercfg'),
        ],
      )
      await writeJson(join(t.home, '.docker', 'config.json'), { auths: { 'r.example': entry('docker') } })
      assert.equal((await getCredentialsForKey('r.example', { env: t.env, authFile: own }))?.username, 'docker')
      assert.equal(await skopeoLogin(t.env, 'r.example', own), 'docker')
      assert.equal((await getCredentialsForKey('r.example', { env }))?.username, 'docker')
      assert.equal(await skopeoLogin(env, 'r.example'), 'docker')
    })
  })

  it('skips a primary file whose $XDG_RUNTIME_DIR does not exist when reading', async () => {
    await withTempDir(async (dir) => {
      const t = await makeEnv(dir)
      await writeJson(join(t.home, '.config', 'containers', 'auth.json'), { auths: { 'r.example': entry('cfg') } })
      const env = { ...t.env, XDG_RUNTIME_DIR: join(dir, 'missing') }
      assert.equal((await getCredentialsForKey('r.example', { env }))?.username, 'cfg')
      assert.throws(() => primaryAuthFile({ env }), /XDG_RUNTIME_DIR does not exist/)
    })
  })
})

describe('auth keys', () => {
  it('the most specific of repository, namespace and registry wins — as skopeo', async () => {
    await withTempDir(async (dir) => {
      const t = await makeEnv(dir)
      const f = join(t.run, 'containers', 'auth.json')
      await writeJson(f, {
        auths: {
          'reg.example.com/ns/sub/app': entry('repo'),
          'reg.example.com/ns': entry('ns'),
          'reg.example.com': entry('registry'),
        },
      })
      const cases: [string, string][] = [
        ['ns/sub/app', 'repo'],
        ['ns/sub/other', 'ns'],
        ['ns/app', 'ns'],
        ['nsx/app', 'registry'],
        ['other', 'registry'],
      ]
      for (const [repository, want] of cases) {
        assert.equal(
          (await getCredentials({ registry: 'reg.example.com', repository }, { env: t.env }))?.username,
          want,
          repository,
        )
        assert.equal(await skopeoLogin(t.env, `reg.example.com/${repository}`), want, `skopeo ${repository}`)
      }
    })
  })

  it('normalizes docker.io spellings and URL keys', async () => {
    await withTempDir(async (dir) => {
      const t = await makeEnv(dir)
      const f = join(t.home, '.docker', 'config.json')
      await writeJson(f, {
        auths: { 'https://index.docker.io/v1/': entry('hub'), 'http://reg.example.com:5000/v2/': entry('url') },
      })
      assert.equal(
        (await getCredentials({ registry: 'docker.io', repository: 'library/busybox' }, { env: t.env }))?.username,
        'hub',
      )
      assert.equal(await skopeoLogin(t.env, 'docker.io'), 'hub')
      assert.equal((await getCredentialsForKey('reg.example.com:5000/x', { env: t.env }))?.username, 'url')
      assert.equal(await skopeoLogin(t.env, 'reg.example.com:5000'), 'url')
      await writeJson(f, { auths: { 'index.docker.io': entry('index') } })
      assert.equal((await getCredentialsForKey('docker.io/library/alpine', { env: t.env }))?.username, 'index')
      await writeJson(f, { auths: { 'docker.io': entry('plain') } })
      assert.equal((await getCredentialsForKey('docker.io', { env: t.env }))?.username, 'plain')
      // a URL key keeps only its host: the path is not a namespace
      await writeJson(f, { auths: { 'https://reg.example.com/ns': entry('urlns') } })
      assert.equal((await getCredentialsForKey('reg.example.com/other/app', { env: t.env }))?.username, 'urlns')
    })
  })

  it('returns identity tokens typed, and skips empty helper-marker entries', async () => {
    await withTempDir(async (dir) => {
      const t = await makeEnv(dir)
      const f = join(t.run, 'containers', 'auth.json')
      await writeJson(f, {
        auths: {
          'tok.example': { auth: b64('me:'), identitytoken: 'refresh-123' },
          'bare.example': { identitytoken: 'r2' },
          'marker.example': {},
        },
      })
      assert.deepEqual(await getCredentialsForKey('tok.example', { env: t.env }), {
        kind: 'identityToken',
        username: 'me',
        token: 'refresh-123',
        source: f,
      })
      assert.deepEqual(await getCredentialsForKey('bare.example', { env: t.env }), {
        kind: 'identityToken',
        username: '<token>',
        token: 'r2',
        source: f,
      })
      assert.equal(await getCredentialsForKey('marker.example', { env: t.env }), undefined)
    })
  })

  it('keeps passwords containing ":" and strips NUL padding', async () => {
    await withTempDir(async (dir) => {
      const t = await makeEnv(dir)
      await writeJson(join(t.run, 'containers', 'auth.json'), { auths: { 'r.example': { auth: b64('u:a:b:c\0\0') } } })
      const c = await getCredentialsForKey('r.example', { env: t.env })
      assert.deepEqual(c?.kind === 'basic' && [c.username, c.password], ['u', 'a:b:c'])
    })
  })

  it('a broken auth file is an error naming it; a missing one is no credentials', async () => {
    await withTempDir(async (dir) => {
      const t = await makeEnv(dir)
      const f = join(t.run, 'containers', 'auth.json')
      await mkdir(join(t.run, 'containers'), { recursive: true })
      await writeFile(f, '{"auths": ')
      await assert.rejects(
        getCredentialsForKey('r.example', { env: t.env }),
        (e: Error & { code?: string }) => e.code === 'ERR_CONFIG_INVALID' && e.message.includes(f),
      )
      await writeFile(f, '')
      await assert.rejects(getCredentialsForKey('r.example', { env: t.env }), /not valid JSON/)
    })
  })

  it('rejects keys with a scheme, a tag or a digest', async () => {
    await assert.rejects(getCredentialsForKey('https://r.example'), /http\[s\]:\/\/ prefix/)
    await assert.rejects(getCredentialsForKey('r.example/app:1'), /':' character after host/)
    await assert.rejects(getCredentialsForKey('r.example/app@sha256:00'), /'@'/)
  })
})
