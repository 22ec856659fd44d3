import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { copyFile, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { skiff } from '../../cli/run-skiff.js'
import { startRegistry, type Registry } from '../../helpers/registry/index.js'
import { sha256, smallImage, writeOciImage } from '../../helpers/fixtures.js'
import { copy } from '../../helpers/skiff.js'
import { skopeo, withTempDir } from '../../helpers/tools.js'
import { isSkiffError } from '../../../src/errors.js'
import type { TransportOptions } from '../../../src/transports/types.js'
import { isolateCache } from './helpers.js'

const both = (o: TransportOptions) => ({ source: o, destination: o })
const tlsFailure = (e: unknown) =>
  isSkiffError(e) && e.code === 'ERR_TLS' && /TLS/.test(e.message) && /`registry.certDir`/.test(e.message)

describe('docker:// over TLS', () => {
  let reg: Registry
  let untrusted: Registry
  let mtls: Registry
  let restore: () => void
  before(async () => {
    restore = isolateCache()
    ;[reg, untrusted, mtls] = await Promise.all([
      startRegistry({ tls: true }),
      startRegistry({ tls: { untrusted: true } }),
      startRegistry({ tls: { clientCerts: true } }),
    ])
  })
  after(async () => {
    await Promise.all([reg?.close(), untrusted?.close(), mtls?.close()])
    restore()
  })

  it('verifies the server with the CA from --cert-dir; skopeo pulls the same digest', async () => {
    await withTempDir(async (dir) => {
      const layout = join(dir, 'l')
      const img = await writeOciImage(layout, 'v1', smallImage('tls'))
      const opts: TransportOptions = { registry: { certDir: reg.certDir! } }
      await copy(`oci:${layout}:v1`, `docker://${reg.host}/tls:1`, both(opts))
      const raw = await skopeo(['inspect', '--raw', '--cert-dir', reg.certDir!, `docker://${reg.host}/tls:1`])
      assert.equal(raw.code, 0, raw.stderr)
      assert.equal(sha256(raw.stdout), img.manifestDigest)
      const back = await copy(`docker://${reg.host}/tls:1`, `dir:${join(dir, 'd')}`, both(opts))
      assert.equal(back.manifestDigest, img.manifestDigest)
    })
  })

  it('finds the CA in ~/.config/containers/certs.d/HOST:PORT (the CLI, with HOME elsewhere)', async () => {
    await withTempDir(async (home) => {
      const certsD = join(home, '.config', 'containers', 'certs.d', reg.host)
      await mkdir(certsD, { recursive: true })
      await copyFile(reg.caPath!, join(certsD, 'ca.crt'))
      const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config') }
      const layout = join(home, 'l')
      const img = await writeOciImage(layout, 'v1', smallImage('certsd'))
      const push = await skiff(
        ['--insecure-policy', 'copy', '-q', `oci:${layout}:v1`, `docker://${reg.host}/certsd:1`],
        { env },
      )
      assert.equal(push.code, 0, push.stderr)
      const insp = await skiff(['--insecure-policy', 'inspect', '--raw', `docker://${reg.host}/certsd:1`], { env })
      assert.equal(insp.code, 0, insp.stderr)
      assert.equal(sha256(insp.stdout), img.manifestDigest)
      // without certs.d the same command fails on verification
      const bare = await skiff(['--insecure-policy', 'inspect', '--raw', `docker://${reg.host}/certsd:1`], {
        env: { ...env, HOME: join(home, 'nowhere'), XDG_CONFIG_HOME: join(home, 'nowhere') },
      })
      assert.notEqual(bare.code, 0)
      assert.match(bare.stderr, /TLS|certificate/)
    })
  })

  it('without the CA, default verification fails with a TLS message; tlsVerify false connects', async () => {
    await withTempDir(async (dir) => {
      await assert.rejects(copy(`docker://${reg.host}/tls:1`, `dir:${join(dir, 'a')}`), tlsFailure)
      const res = await copy(
        `docker://${reg.host}/tls:1`,
        `dir:${join(dir, 'b')}`,
        both({ registry: { tlsVerify: false } }),
      )
      assert.match(res.manifestDigest, /^sha256:/)
    })
  })

  it('a certificate signed by another CA fails even with --cert-dir', async () => {
    await withTempDir(async (dir) => {
      await assert.rejects(
        copy(
          `docker://${untrusted.host}/x:1`,
          `dir:${join(dir, 'a')}`,
          both({ registry: { certDir: untrusted.certDir! } }),
        ),
        tlsFailure,
      )
    })
  })

  it('presents the client certificate from --cert-dir (*.cert + *.key)', async () => {
    await withTempDir(async (dir) => {
      const layout = join(dir, 'l')
      const img = await writeOciImage(layout, 'v1', smallImage('mtls'))
      const res = await copy(
        `oci:${layout}:v1`,
        `docker://${mtls.host}/m:1`,
        both({ registry: { certDir: mtls.certDir! } }),
      )
      assert.equal(res.manifestDigest, img.manifestDigest)
      // only the CA, no client pair: the server refuses the handshake
      const caOnly = join(dir, 'ca-only')
      const { mkdir, copyFile } = await import('node:fs/promises')
      await mkdir(caOnly)
      await copyFile(mtls.caPath!, join(caOnly, 'ca.crt'))
      await assert.rejects(
        copy(
          `docker://${mtls.host}/m:1`,
          `dir:${join(dir, 'x')}`,
          both({ registry: { certDir: caOnly, retryTimes: 0 } }),
        ),
        (e: unknown) => isSkiffError(e) && (e.code === 'ERR_TLS' || e.code === 'ERR_IO'),
      )
    })
  })
})
