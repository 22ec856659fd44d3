/**
 * Contexts are isolated: two SkiffContexts in one process, each with its own environment (auth
 * files, registries.conf, cache folder), reach different results against the same real registry,
 * even while the other one holds an open client for the same registry with the same options.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { startRegistry, type Registry } from '../helpers/registry/index.js'
import { smallImage, writeOciImage } from '../helpers/fixtures.js'
import { copy } from '../helpers/skiff.js'
import { withTempDir } from '../helpers/tools.js'
import { isSkiffError } from '../../src/errors.js'
import { getRawManifest } from '../../src/index.js'
import { newContext, type SkiffContext } from '../../src/registry/context.js'
import { parseImageName } from '../../src/transports/registry.js'
import type { TransportOptions } from '../../src/transports/types.js'

const code = (c: string) => (e: unknown) => isSkiffError(e) && e.code === c

/** An environment of its own below `dir`: no credentials, configuration or cache of the machine. */
async function envIn(dir: string, files: { auth?: object; registriesConf?: string } = {}): Promise<NodeJS.ProcessEnv> {
  const env: NodeJS.ProcessEnv = {
    HOME: join(dir, 'home'),
    XDG_RUNTIME_DIR: join(dir, 'run'),
    XDG_CONFIG_HOME: join(dir, 'home', '.config'),
    XDG_CACHE_HOME: join(dir, 'cache'),
    PATH: process.env.PATH ?? '/usr/bin:/bin',
  }
  await mkdir(join(dir, 'run', 'containers'), { recursive: true })
  await mkdir(join(dir, 'home', '.config', 'containers'), { recursive: true })
  if (files.auth) await writeFile(join(dir, 'run', 'containers', 'auth.json'), JSON.stringify(files.auth))
  // the user's registries.conf, found through HOME (no path given): the default lookup
  await writeFile(join(dir, 'home', '.config', 'containers', 'registries.conf'), files.registriesConf ?? '')
  return env
}

const authFor = (host: string, user: string, password: string) => ({
  auths: { [host]: { auth: Buffer.from(`${user}:${password}`).toString('base64') } },
})
const plain: TransportOptions = { registry: { tlsVerify: false } }

describe('SkiffContext isolation', () => {
  let reg: Registry
  let open: SkiffContext[] = []
  before(async () => {
    reg = await startRegistry({ htpasswd: { alice: 'ctx-pass-1' } })
  })
  after(async () => {
    await Promise.all(open.map((c) => c.close()))
    open = []
    await reg?.close()
  })
  const context = (env: NodeJS.ProcessEnv): SkiffContext => {
    const c = newContext({ env })
    open.push(c)
    return c
  }

  it('two contexts with different auth files: one reads the image, the other is refused, while the first holds its client', async () => {
    await withTempDir(async (dir) => {
      const layout = join(dir, 'layout')
      const img = await writeOciImage(layout, 'v1', smallImage('ctx-auth'))
      const good = context(await envIn(join(dir, 'good'), { auth: authFor(reg.host, 'alice', 'ctx-pass-1') }))
      const bad = context(await envIn(join(dir, 'bad'), { auth: authFor(reg.host, 'alice', 'wrong') }))
      const target = `docker://${reg.host}/ctx/auth:1`
      await copy(`oci:${layout}:v1`, target, { context: good, destination: plain })

      // `good` keeps a client for this registry open (same options as `bad` will use) ...
      const held = await parseImageName(target).newImageSource({ ...plain, context: good })
      try {
        assert.ok((await held.getManifest()).bytes.length > 0)
        // ... and `bad`, asking the same registry with the same options, gets nothing of it
        await assert.rejects(getRawManifest(target, { source: { ...plain, context: bad } }), code('ERR_UNAUTHORIZED'))
        await assert.rejects(
          copy(target, `dir:${join(dir, 'd-bad')}`, { context: bad, source: plain }),
          code('ERR_UNAUTHORIZED'),
        )
        // and `good` still works, before and after
        const back = await copy(target, `dir:${join(dir, 'd-good')}`, { context: good, source: plain })
        assert.equal(back.manifestDigest, img.manifestDigest)
      } finally {
        await held.close()
      }
      // the other way round: `bad` first, then `good`
      await assert.rejects(getRawManifest(target, { source: { ...plain, context: bad } }), code('ERR_UNAUTHORIZED'))
      assert.ok((await getRawManifest(target, { source: { ...plain, context: good } })).length > 0)
    })
  })

  it('two contexts with different registries.conf (found through HOME): one rewrites the name to the registry, the other blocks it', async () => {
    await withTempDir(async (dir) => {
      const layout = join(dir, 'layout')
      const img = await writeOciImage(layout, 'v1', smallImage('ctx-conf'))
      const auth = authFor(reg.host, 'alice', 'ctx-pass-1')
      const rewrite = `[[registry]]\nprefix = "alias.invalid"\nlocation = "${reg.host}"\ninsecure = true\n`
      const block = `[[registry]]\nprefix = "alias.invalid"\nlocation = "alias.invalid"\nblocked = true\n`
      const rewriting = context(await envIn(join(dir, 'rewrite'), { auth, registriesConf: rewrite }))
      const blocking = context(await envIn(join(dir, 'block'), { auth, registriesConf: block }))
      await copy(`oci:${layout}:v1`, `docker://${reg.host}/ctx/conf:1`, { context: rewriting, destination: plain })

      const aliased = 'docker://alias.invalid/ctx/conf:1'
      // `rewriting` reads its registries.conf first; `blocking` must not get that copy of it
      const got = await copy(aliased, `dir:${join(dir, 'd1')}`, { context: rewriting })
      assert.equal(got.manifestDigest, img.manifestDigest)
      await assert.rejects(copy(aliased, `dir:${join(dir, 'd2')}`, { context: blocking }), code('ERR_POLICY_DENIED'))
      assert.ok((await getRawManifest(aliased, { source: { context: rewriting } })).length > 0)
    })
  })

  it('each context writes the blob-location cache of its own environment', async () => {
    await withTempDir(async (dir) => {
      const layout = join(dir, 'layout')
      await writeOciImage(layout, 'v1', smallImage('ctx-cache'))
      const auth = authFor(reg.host, 'alice', 'ctx-pass-1')
      const a = context(await envIn(join(dir, 'a'), { auth }))
      const b = context(await envIn(join(dir, 'b'), { auth }))
      await copy(`oci:${layout}:v1`, `docker://${reg.host}/ctx/cache:1`, { context: a, destination: plain })
      await a.close()
      await b.close()
      assert.ok(
        existsSync(join(dir, 'a', 'cache', 'skiff', 'blob-locations', reg.host)),
        'the pushing context wrote its cache',
      )
      assert.ok(!existsSync(join(dir, 'b', 'cache', 'skiff')), 'the other context wrote nothing')
    })
  })
})
