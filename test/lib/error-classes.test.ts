/**
 * Through the public API (src/index.ts), errors keep their class and name the image: a caller can
 * branch on `instanceof DigestMismatchError`, `ImageNotFoundError`, `PolicyDeniedError`.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  copyImage,
  insecureAcceptAnythingPolicy,
  loadPolicyContext,
  DigestMismatchError,
  ImageNotFoundError,
  PolicyDeniedError,
  SkiffError,
} from '../../src/index.js'
import { withTempDir } from '../helpers/tools.js'

test('a corrupt blob in a dir: source rejects with a DigestMismatchError naming the image', async () => {
  await withTempDir(async (t) => {
    const src = join(t, 'src')
    await copyImage('oci:examples/hello:latest', `dir:${src}`, { policy: insecureAcceptAnythingPolicy() })
    const m = JSON.parse(await readFile(join(src, 'manifest.json'), 'utf8'))
    const layer = join(src, m.layers[0].digest.slice('sha256:'.length))
    const bytes = await readFile(layer)
    bytes[bytes.length - 20]! ^= 1
    await writeFile(layer, bytes)
    await assert.rejects(
      copyImage(`dir:${src}`, `oci:${t}/out:x`, { policy: insecureAcceptAnythingPolicy() }),
      (e: unknown) => {
        assert.ok(e instanceof DigestMismatchError, `${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`)
        assert.ok(e instanceof SkiffError)
        assert.equal(e.code, 'ERR_DIGEST_MISMATCH')
        assert.equal(e.expected, m.layers[0].digest)
        assert.match(e.actual, /^sha256:[0-9a-f]{64}$/)
        assert.equal(e.image, `dir:${src}`)
        assert.ok(e.message.startsWith(`dir:${src}: `), e.message)
        assert.equal(e.name, 'DigestMismatchError')
        assert.match(e.stack ?? '', new RegExp(`^DigestMismatchError: dir:${src}: `))
        return true
      },
    )
    assert.ok(!existsSync(join(t, 'out', 'index.json')))
  })
})

test('a missing image rejects with an ImageNotFoundError (exit code 2)', async () => {
  await withTempDir(async (t) => {
    await assert.rejects(
      copyImage(`dir:${t}/nothing-here`, `oci:${t}/out:x`, { policy: insecureAcceptAnythingPolicy() }),
      (e: unknown) => {
        assert.ok(e instanceof ImageNotFoundError, `${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`)
        assert.equal(e.exitCode, 2)
        assert.ok(e.message.includes(`${t}/nothing-here`), e.message)
        return true
      },
    )
    await assert.rejects(
      copyImage('oci:examples/hello:no-such-tag', `oci:${t}/out:x`, { policy: insecureAcceptAnythingPolicy() }),
      (e: unknown) => {
        assert.ok(e instanceof ImageNotFoundError, `${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`)
        assert.equal(e.image, 'oci:examples/hello:no-such-tag')
        return true
      },
    )
    assert.ok(!existsSync(join(t, 'out')))
  })
})

test('a policy that rejects the source rejects with a PolicyDeniedError; nothing is written', async () => {
  await withTempDir(async (t) => {
    const policyPath = join(t, 'policy.json')
    await writeFile(policyPath, JSON.stringify({ default: [{ type: 'reject' }] }))
    const policy = await loadPolicyContext({ policyPath })
    await assert.rejects(copyImage('oci:examples/hello:latest', `dir:${t}/out`, { policy }), (e: unknown) => {
      assert.ok(e instanceof PolicyDeniedError, `${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`)
      assert.equal(e.code, 'ERR_POLICY_DENIED')
      assert.match(e.message, /rejected/)
      return true
    })
    assert.ok(!existsSync(join(t, 'out')))
  })
})
