/**
 * Network failures name the image and the registry and say what to do: connection refused, reset,
 * a name that does not resolve (a `.invalid` host: no external traffic), TLS against plain HTTP, a
 * registry that requires a client certificate; and `docker://UPPER/case` fails before any lookup.
 * One line, exit 1, never a stack trace.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, copyFileSync, mkdirSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, startRegistry, type Registry } from '../../helpers/registry/index.js'
import { skopeo } from '../../helpers/tools.js'
import { skiff, type SkiffResult } from '../run-skiff.js'

function errorLine(r: SkiffResult, what: string): string {
  assert.equal(r.code, 1, `${what}: exit code\n${r.stderr}`)
  assert.doesNotMatch(r.stderr, /\n\s+at |TypeError|node:internal/, `${what}: no stack\n${r.stderr}`)
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('skiff: ') && !l.startsWith('skiff: warning'))
  assert.equal(lines.length, 1, `${what}: one line\n${r.stderr}`)
  return lines[0]!
}

describe('network failures', () => {
  let plain: Registry
  let mtls: Registry
  let resetter: Server
  let resetPort = 0
  let certs: string
  const sockets = new Set<Socket>()
  before(async () => {
    ;[plain, mtls] = await Promise.all([startRegistry(), startRegistry({ tls: { clientCerts: true } })])
    resetter = createServer((s) => {
      sockets.add(s)
      s.on('error', () => {})
      s.once('data', () => s.resetAndDestroy())
    })
    await new Promise<void>((r) => resetter.listen(0, '127.0.0.1', r))
    resetPort = (resetter.address() as { port: number }).port
    certs = mkdtempSync(join(tmpdir(), 'skiff-certs-'))
    mkdirSync(join(certs, 'ca-only'))
    copyFileSync(join(mtls.certDir!, 'ca.crt'), join(certs, 'ca-only', 'ca.crt'))
  })
  after(async () => {
    for (const s of sockets) s.destroy()
    await new Promise((r) => resetter?.close(r))
    await Promise.all([plain?.close(), mtls?.close()])
    rmSync(certs, { recursive: true, force: true })
  })

  it('connection refused', async () => {
    const port = await freePort()
    const img = `docker://127.0.0.1:${port}/app:1`
    const line = errorLine(await skiff(['inspect', '--tls-verify=false', img]), 'refused')
    assert.ok(line.startsWith(`skiff: ${img}: `), line)
    assert.match(
      line,
      new RegExp(
        `cannot connect to 127\\.0\\.0\\.1:${port}: connection refused.*check the registry name and port, and that the registry is running`,
      ),
    )
  })

  it('connection reset, after the retries', async () => {
    const img = `docker://127.0.0.1:${resetPort}/app:1`
    const line = errorLine(
      await skiff(['inspect', '--tls-verify=false', '--retry-times', '1', '--retry-delay', '100ms', img]),
      'reset',
    )
    assert.ok(line.startsWith(`skiff: ${img}: `), line)
    assert.match(
      line,
      new RegExp(
        `the connection to 127\\.0\\.0\\.1:${resetPort} was closed unexpectedly .*\\((ECONNRESET|UND_ERR_SOCKET)\\).*retry`,
      ),
    )
  })

  it('a host name that does not resolve (.invalid)', async () => {
    const img = 'docker://registry.skiff-test.invalid/app:1'
    const line = errorLine(await skiff(['inspect', img]), 'ENOTFOUND')
    assert.ok(line.startsWith(`skiff: ${img}: `), line)
    assert.match(
      line,
      /the host name registry\.skiff-test\.invalid does not resolve \((ENOTFOUND|EAI_AGAIN)\); check the registry name/,
    )
  })

  it('TLS against a plain-HTTP registry: "answered plain HTTP; use --tls-verify=false"; skopeo fails too', async () => {
    const img = `docker://${plain.host}/app:1`
    const line = errorLine(await skiff(['inspect', img]), 'plain HTTP')
    assert.ok(line.startsWith(`skiff: ${img}: `), line)
    assert.match(
      line,
      new RegExp(`${plain.host.replace(/\./g, '\\.')} answered plain HTTP, not TLS .*use --tls-verify=false for it`),
    )
    const sk = await skopeo(['inspect', img])
    assert.equal(sk.code, 1)
    assert.match(sk.stderr, /server gave HTTP response to HTTPS client/)
  })

  it('a registry that requires a client certificate: ERR_TLS saying so; with the certificate it works', async () => {
    const img = `docker://${mtls.host}/app:1`
    const line = errorLine(await skiff(['inspect', '--cert-dir', join(certs, 'ca-only'), img]), 'client cert')
    assert.ok(line.startsWith(`skiff: ${img}: `), line)
    assert.match(line, /requires a client certificate .*put client\.cert and client\.key in --cert-dir/)
    const sk = await skopeo(['inspect', '--cert-dir', join(certs, 'ca-only'), img])
    assert.equal(sk.code, 1)
    assert.match(sk.stderr, /bad certificate/)
    const ok = await skiff(['inspect', '--cert-dir', mtls.certDir!, img])
    assert.equal(ok.code, 2, ok.stderr) // reached the registry: the image is not there
  })

  it('library: the client-certificate failure is ERR_TLS', async () => {
    const { inspectImage } = await import('../../../src/index.js')
    await assert.rejects(
      inspectImage(`docker://${mtls.host}/app:1`, { source: { registry: { certDir: join(certs, 'ca-only') } } }),
      (e: unknown) => (e as { code?: string }).code === 'ERR_TLS',
    )
  })

  it('docker://UPPER/case: "repository name must be lowercase", no lookup; as skopeo', async () => {
    for (const ref of ['docker://UPPER/case', 'docker://localhost:5000/Upper/case:1', 'docker://Foo']) {
      const line = errorLine(await skiff(['inspect', ref]), ref)
      assert.match(line, /repository name must be lowercase/, ref)
      const dbg = await skiff(['--debug', 'inspect', ref])
      assert.equal(dbg.code, 1)
      assert.doesNotMatch(dbg.stderr, /registry: >|ENOTFOUND|getaddrinfo|pinging/, `${ref}: no request, no lookup`)
      const sk = await skopeo(['inspect', ref])
      assert.equal(sk.code, 1)
      assert.match(sk.stderr, /repository name must be lowercase/)
    }
  })
})
