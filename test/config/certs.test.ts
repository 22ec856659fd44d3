import assert from 'node:assert/strict'
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, request, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { caWithSystemRoots, certDirFor, loadTlsConfig } from '../../src/config/certs.js'
import { requireTool, run, withTempDir } from '../helpers/tools.js'

async function openssl(dir: string, args: string[]): Promise<void> {
  const r = await run('openssl', args, { cwd: dir })
  assert.equal(r.code, 0, r.stderr)
}

/** A CA, a server certificate for 127.0.0.1 and a client pair, all signed by the CA. */
async function makePki(dir: string): Promise<void> {
  requireTool('openssl')
  await openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=skiff test CA',
  ])
  await writeFile(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n')
  await openssl(dir, [
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    '/CN=127.0.0.1',
  ])
  await openssl(dir, [
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '2',
    '-extfile',
    'san.ext',
  ])
  await openssl(dir, [
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'client.key',
    '-out',
    'client.csr',
    '-subj',
    '/CN=client',
  ])
  await openssl(dir, [
    'x509',
    '-req',
    '-in',
    'client.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'client.pem',
    '-days',
    '2',
  ])
}

async function cp(from: string, to: string): Promise<void> {
  await mkdir(join(to, '..'), { recursive: true })
  await copyFile(from, to)
}

describe('certs.d', () => {
  it('reads *.crt as CAs and *.cert/*.key as client pairs; a real mutual-TLS handshake succeeds with them', async () => {
    await withTempDir(async (dir) => {
      await makePki(dir)
      const certDir = join(dir, 'certs')
      await cp(join(dir, 'ca.pem'), join(certDir, 'ca.crt'))
      await cp(join(dir, 'client.pem'), join(certDir, 'client.cert'))
      await cp(join(dir, 'client.key'), join(certDir, 'client.key'))
      const m = await loadTlsConfig('127.0.0.1:5000', { certDir })
      assert.equal(m.dir, certDir)
      assert.equal(m.ca?.length, 1)
      assert.ok(m.cert && m.key)
      assert.equal(m.clientPairs?.[0]?.certFile, join(certDir, 'client.cert'))

      const server: Server = createServer(
        {
          cert: await readFile(join(dir, 'server.pem')),
          key: await readFile(join(dir, 'server.key')),
          ca: await readFile(join(dir, 'ca.pem')),
          requestCert: true,
          rejectUnauthorized: true,
        },
        (_req, res) => res.end('ok'),
      )
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
      const port = (server.address() as AddressInfo).port
      const get = (opts: object) =>
        new Promise<string>((resolve, reject) => {
          const req = request({ host: '127.0.0.1', port, path: '/', ...opts }, (res) => {
            let body = ''
            res.on('data', (d) => (body += d))
            res.on('end', () => resolve(body))
          })
          req.on('error', reject)
          req.end()
        })
      try {
        const ca = caWithSystemRoots(m.ca)
        assert.ok(ca && ca.length > m.ca!.length, 'the system roots are kept')
        assert.equal(await get({ ca, cert: m.cert, key: m.key }), 'ok')
        await assert.rejects(get({}), /self[- ]signed|unable to get local issuer|unable to verify/i)
        await assert.rejects(get({ ca }), /certificate|socket hang up|ECONNRESET|alert/i)
      } finally {
        await new Promise((r) => server.close(r))
      }
    })
  })

  it('a .cert without its .key (or a .key without its .cert) is an error naming the file', async () => {
    await withTempDir(async (dir) => {
      await makePki(dir)
      const certDir = join(dir, 'certs')
      await cp(join(dir, 'client.pem'), join(certDir, 'lonely.cert'))
      await assert.rejects(
        loadTlsConfig('h', { certDir }),
        (e: Error & { code?: string }) =>
          e.code === 'ERR_CONFIG_INVALID' &&
          e.message.includes('missing key lonely.key') &&
          e.message.includes(join(certDir, 'lonely.cert')),
      )
      await rm(join(certDir, 'lonely.cert'))
      await cp(join(dir, 'client.key'), join(certDir, 'orphan.key'))
      await assert.rejects(
        loadTlsConfig('h', { certDir }),
        /missing client certificate orphan.cert for key .*orphan.key/,
      )
    })
  })

  it('without --cert-dir uses the first existing of ~/.config/containers/certs.d, /etc/containers/certs.d, /etc/docker/certs.d', async () => {
    await withTempDir(async (dir) => {
      await makePki(dir)
      const home = join(dir, 'home')
      const sys1 = join(dir, 'etc-containers')
      const sys2 = join(dir, 'etc-docker')
      const opts = { env: { HOME: home }, systemCertsDirs: [sys1, sys2] }
      assert.equal(await certDirFor('reg.example:5000', opts), undefined)
      assert.deepEqual(await loadTlsConfig('reg.example:5000', opts), {})
      await cp(join(dir, 'ca.pem'), join(sys2, 'reg.example:5000', 'docker.crt'))
      assert.equal((await loadTlsConfig('reg.example:5000', opts)).dir, join(sys2, 'reg.example:5000'))
      await cp(join(dir, 'ca.pem'), join(sys1, 'reg.example:5000', 'a.crt'))
      await cp(join(dir, 'ca.pem'), join(sys1, 'reg.example:5000', 'b.crt'))
      const m = await loadTlsConfig('reg.example:5000', opts)
      assert.equal(m.dir, join(sys1, 'reg.example:5000'))
      assert.equal(m.ca?.length, 2) // not merged with the /etc/docker one
      await mkdir(join(home, '.config', 'containers', 'certs.d', 'reg.example:5000'), { recursive: true })
      const empty = await loadTlsConfig('reg.example:5000', opts)
      assert.deepEqual(empty, { dir: join(home, '.config', 'containers', 'certs.d', 'reg.example:5000') })
      // the port is part of the directory name
      assert.equal(await certDirFor('reg.example', opts), undefined)
      // --cert-dir wins, even when it does not exist
      assert.deepEqual(await loadTlsConfig('reg.example:5000', { ...opts, certDir: join(dir, 'none') }), {})
    })
  })
})
