import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { startRegistry, type Registry } from '../../helpers/registry/index.js'
import { smallImage, writeOciImage } from '../../helpers/fixtures.js'
import { copy } from '../../helpers/skiff.js'
import { withTempDir } from '../../helpers/tools.js'
import { isSkiffError } from '../../../src/errors.js'
import type { TransportOptions } from '../../../src/transports/types.js'
import { insecureCopy, isolateCache } from './helpers.js'

describe('docker:// with registries.conf', () => {
  let primary: Registry
  let mirror: Registry
  let restore: () => void
  let manifestDigest: string
  before(async () => {
    restore = isolateCache()
    ;[primary, mirror] = await Promise.all([startRegistry(), startRegistry()])
    await withTempDir(async (dir) => {
      const layout = join(dir, 'l')
      const img = await writeOciImage(layout, 'v1', smallImage('conf'))
      manifestDigest = img.manifestDigest
      await copy(`oci:${layout}:v1`, `docker://${primary.host}/real/app:1`, insecureCopy)
      await copy(`oci:${layout}:v1`, `docker://${mirror.host}/mirrored/app:only-on-mirror`, insecureCopy)
    })
  })
  after(async () => {
    await Promise.all([primary?.close(), mirror?.close()])
    restore()
  })

  const withConf = async (text: string, fn: (opts: TransportOptions) => Promise<void>) =>
    withTempDir(async (dir) => {
      const path = join(dir, 'registries.conf')
      await writeFile(path, text)
      await fn({ registry: { registriesConfPath: path } })
    })

  it('rewrites the location and honours insecure = true (plain HTTP without --tls-verify)', async () => {
    await withConf(
      `[[registry]]\nprefix = "example.test/app"\nlocation = "${primary.host}/real/app"\ninsecure = true\n`,
      async (opts) => {
        await withTempDir(async (dir) => {
          const res = await copy('docker://example.test/app:1', `dir:${join(dir, 'd')}`, { source: opts })
          assert.equal(res.manifestDigest, manifestDigest)
        })
      },
    )
  })

  it('pulls from a mirror first, falling back to the primary location', async () => {
    await withConf(
      `[[registry]]\nprefix = "example.test/app"\nlocation = "${primary.host}/real/app"\ninsecure = true\n[[registry.mirror]]\nlocation = "${mirror.host}/mirrored/app"\ninsecure = true\n`,
      async (opts) => {
        await withTempDir(async (dir) => {
          const viaMirror = await copy('docker://example.test/app:only-on-mirror', `dir:${join(dir, 'm')}`, {
            source: opts,
          })
          assert.equal(viaMirror.manifestDigest, manifestDigest)
          const n = mirror.requests().length
          const viaPrimary = await copy('docker://example.test/app:1', `dir:${join(dir, 'p')}`, { source: opts })
          assert.equal(viaPrimary.manifestDigest, manifestDigest)
          assert.ok(
            mirror
              .requests()
              .slice(n)
              .some((r) => r.path === '/v2/mirrored/app/manifests/1' && r.status === 404),
            'the mirror was asked first',
          )
        })
      },
    )
  })

  it('refuses blocked registries', async () => {
    await withConf(`[[registry]]\nlocation = "${primary.host}"\nblocked = true\n`, async (opts) => {
      await withTempDir(async (dir) => {
        await assert.rejects(
          copy(`docker://${primary.host}/real/app:1`, `dir:${join(dir, 'd')}`, {
            source: { registry: { ...opts.registry, tlsVerify: false } },
          }),
          (e: unknown) => isSkiffError(e) && e.code === 'ERR_POLICY_DENIED' && /blocked/.test(e.message),
        )
      })
    })
  })
})
