/**
 * --retry-times N is one budget per operation (src/util/retry.ts): request retries, resumed
 * downloads without progress and whole-operation retries all spend from it, so a registry that
 * always fails gets at most N+1 attempts — not N+1 per request times N+1 per operation.
 * Real faults: the test proxy resets connections before answering.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { startProxy, startRegistry, type Registry } from '../../helpers/registry/index.js'
import { smallImage, writeOciImage } from '../../helpers/fixtures.js'
import { withTempDir } from '../../helpers/tools.js'
import { skiff } from '../run-skiff.js'

describe('--retry-times: one budget per operation', () => {
  let reg: Registry
  let layer = ''
  before(async () => {
    reg = await startRegistry()
    await withTempDir(async (t) => {
      await writeOciImage(join(t, 'l'), 'v1', smallImage('budget', { layers: [{ files: { 'a.txt': 'budget\n' } }] }))
      const push = await skiff([
        '--insecure-policy',
        'copy',
        '-q',
        '--dest-tls-verify=false',
        `oci:${t}/l:v1`,
        `docker://${reg.host}/b/app:1`,
      ])
      assert.equal(push.code, 0, push.stderr)
      const raw = await skiff(['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/b/app:1`])
      assert.equal(raw.code, 0, raw.stderr)
      layer = (JSON.parse(raw.stdout) as { layers: { digest: string }[] }).layers[0]!.digest
    })
  })
  after(async () => {
    await reg?.close()
  })

  it('inspect against a registry that always resets: N+1 = 3 requests in all with --retry-times 2', async () => {
    const proxy = await startProxy(reg, { resetRequests: {} })
    try {
      const r = await skiff([
        'inspect',
        '--tls-verify=false',
        '--retry-times',
        '2',
        '--retry-delay',
        '10ms',
        `docker://${proxy.host}/b/app:1`,
      ])
      assert.equal(r.code, 1, r.stderr)
      assert.match(r.stderr, /closed unexpectedly|ECONNRESET|UND_ERR_SOCKET/)
      const reqs = proxy.requests()
      assert.ok(
        reqs.every((e) => e.fault === 'request-reset'),
        JSON.stringify(reqs),
      )
      // (N+1)² = 9 before: 3 request attempts for each of 3 whole-operation attempts
      assert.equal(reqs.length, 3, JSON.stringify(reqs.map((e) => `${e.method} ${e.path}`)))
    } finally {
      await proxy.close()
    }
  })

  it('copy whose layer GET always resets: 3 GETs of it in all, 2 retry warnings, then the error', async () => {
    const proxy = await startProxy(reg, { resetRequests: { match: { method: 'GET', path: `/blobs/${layer}` } } })
    try {
      await withTempDir(async (t) => {
        const r = await skiff([
          '--insecure-policy',
          'copy',
          '--retry-times',
          '2',
          '--retry-delay',
          '10ms',
          '--src-tls-verify=false',
          `docker://${proxy.host}/b/app:1`,
          `dir:${t}/out`,
        ])
        assert.equal(r.code, 1, r.stderr)
        const gets = proxy.requests().filter((e) => e.method === 'GET' && e.path.endsWith(`/blobs/${layer}`))
        assert.equal(gets.length, 3, JSON.stringify(gets))
        const warnings = r.stderr.split('\n').filter((l) => l.startsWith('skiff: warning: attempt'))
        assert.deepEqual(
          warnings.map((w) => /attempt (\d+\/\d+)/.exec(w)?.[1]),
          ['1/2', '2/2'],
          r.stderr,
        )
        assert.match(
          r.stderr.trimEnd().split('\n').at(-1)!,
          /^skiff: .*(closed unexpectedly|ECONNRESET|UND_ERR_SOCKET)/,
        )
      })
    } finally {
      await proxy.close()
    }
  })

  it('without --retry-times: 3 request retries, no whole-operation retry (4 requests)', async () => {
    const proxy = await startProxy(reg, { resetRequests: {} })
    try {
      const r = await skiff([
        'inspect',
        '--tls-verify=false',
        '--retry-delay',
        '10ms',
        `docker://${proxy.host}/b/app:1`,
      ])
      assert.equal(r.code, 1, r.stderr)
      assert.doesNotMatch(r.stderr, /warning/, 'request retries are not reported without --retry-times')
      assert.equal(proxy.requests().length, 4)
    } finally {
      await proxy.close()
    }
  })
})
