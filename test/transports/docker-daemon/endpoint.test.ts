import assert from 'node:assert/strict'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { SkiffError } from '../../../src/errors.js'
import { DEFAULT_DOCKER_HOST, resolveEndpoint } from '../../../src/transports/docker-daemon/endpoint.js'
import { withTempDir } from '../../helpers/tools.js'

describe('docker-daemon: endpoint', () => {
  it('uses the flag, then DOCKER_HOST, then the default socket', () => {
    assert.equal(resolveEndpoint(undefined, 'source', {}).socketPath, '/var/run/docker.sock')
    assert.equal(resolveEndpoint(undefined, 'source', {}).host, DEFAULT_DOCKER_HOST)
    assert.equal(resolveEndpoint(undefined, 'source', { DOCKER_HOST: 'unix:///run/x.sock' }).socketPath, '/run/x.sock')
    const ep = resolveEndpoint({ daemonHost: 'unix:///tmp/y.sock' }, 'destination', {
      DOCKER_HOST: 'unix:///run/x.sock',
    })
    assert.equal(ep.socketPath, '/tmp/y.sock')
    assert.deepEqual({ ...ep.hostOption }, { option: 'registry.daemonHost', side: 'destination', value: undefined })
    assert.equal(String(resolveEndpoint(undefined, 'source', {}).hostOption), '`source.registry.daemonHost`')
  })

  it('tcp:// is plain HTTP unless TLS is asked for; default ports 2375/2376', () => {
    const plain = resolveEndpoint(undefined, 'source', { DOCKER_HOST: 'tcp://127.0.0.1' })
    assert.deepEqual([plain.hostname, plain.port, plain.tls], ['127.0.0.1', 2375, undefined])
    const http = resolveEndpoint({ daemonHost: 'http://[::1]:1234' }, 'source', {})
    assert.deepEqual([http.hostname, http.port, http.tls], ['::1', 1234, undefined])
  })

  it('TLS from DOCKER_TLS_VERIFY with DOCKER_CERT_PATH, or from --cert-dir; --tls-verify=false skips verification', async () => {
    await withTempDir(async (dir) => {
      const certs = join(dir, 'certs')
      await mkdir(certs)
      await writeFile(join(certs, 'ca.pem'), 'CA')
      await writeFile(join(certs, 'cert.pem'), 'CERT')
      await writeFile(join(certs, 'key.pem'), 'KEY')
      const env = { DOCKER_HOST: 'tcp://daemon.example:9999', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs }
      const ep = resolveEndpoint(undefined, 'source', env)
      assert.equal(ep.port, 9999)
      assert.equal(ep.tls?.ca?.toString(), 'CA')
      assert.equal(ep.tls?.cert?.toString(), 'CERT')
      assert.equal(ep.tls?.key?.toString(), 'KEY')
      assert.equal(ep.tls?.rejectUnauthorized, true)
      const viaFlag = resolveEndpoint(
        { daemonHost: 'tcp://daemon.example', certDir: certs, tlsVerify: false },
        'source',
        {},
      )
      assert.equal(viaFlag.port, 2376)
      assert.equal(viaFlag.tls?.rejectUnauthorized, false)
      // Only a CA: server verification without a client certificate.
      const onlyCa = join(dir, 'onlyca')
      await mkdir(onlyCa)
      await writeFile(join(onlyCa, 'ca.pem'), 'CA')
      const ca = resolveEndpoint({ daemonHost: 'https://h:1', certDir: onlyCa }, 'source', {})
      assert.equal(ca.tls?.cert, undefined)
      // A certificate without its key is an error.
      await writeFile(join(onlyCa, 'cert.pem'), 'CERT')
      assert.throws(
        () => resolveEndpoint({ daemonHost: 'https://h:1', certDir: onlyCa }, 'source', {}),
        (e: unknown) => e instanceof SkiffError && e.code === 'ERR_TLS',
      )
    })
  })

  it('refuses malformed hosts', () => {
    for (const h of ['/var/run/docker.sock', 'ssh://me@host', 'unix://', 'tcp://h:1/path', 'npipe:////./pipe/docker']) {
      assert.throws(
        () => resolveEndpoint({ daemonHost: h }, 'source', {}),
        (e: unknown) => e instanceof SkiffError && /invalid docker daemon host/.test((e as Error).message),
        h,
      )
    }
  })
})
