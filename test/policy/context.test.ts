/**
 * The policy layer binds parsing (config/) to the registered transports: loadPolicy validates the
 * scopes of every transport it knows, and leaves the scopes of unknown transports as they are.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadPolicy } from '../../src/policy/context.js'

const ACCEPT = [{ type: 'insecureAcceptAnything' }]

test('loadPolicy validates scopes with the registered transports (oci: wants absolute paths)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-policy-'))
  try {
    const path = join(dir, 'policy.json')
    await writeFile(path, JSON.stringify({ default: ACCEPT, transports: { oci: { 'relative/layout': ACCEPT } } }))
    await assert.rejects(loadPolicy(path), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'ERR_POLICY_INVALID')
      assert.match(
        e.message,
        /Unknown key "relative\/layout" \(invalid policy scope "relative\/layout" for transport oci: it must be an absolute path\)/,
      )
      return true
    })
    await writeFile(
      path,
      JSON.stringify({
        default: ACCEPT,
        transports: { oci: { '/srv/layout': ACCEPT }, 'no-such-transport': { 'any thing': ACCEPT } },
      }),
    )
    const p = await loadPolicy(path)
    assert.deepEqual([...p.transports.keys()], ['oci', 'no-such-transport'])
    assert.deepEqual(p.transports.get('no-such-transport')?.get('any thing'), ACCEPT)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})
