/**
 * `skiff generate-sigstore-key` as a user runs it: the output line, the two files, refusals
 * (existing files, no prompt without a terminal, usage) with exit code 1 and nothing written. The
 * key formats themselves are tested in test/signature/sigstore/keys.test.ts.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile, readdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { loadSigstorePrivateKey, parseSigstorePublicKey, publicKeyPem } from '../../../src/signature/sigstore/keys.js'
import { withTempDir } from '../../helpers/tools.js'
import { skiff } from '../run-skiff.js'

test('generate-sigstore-key writes PREFIX.private and PREFIX.pub, then refuses to overwrite them', async () => {
  await withTempDir(async (dir) => {
    await writeFile(join(dir, 'pass'), 'correct horse\nsecond line ignored\n')
    const r = await skiff(['generate-sigstore-key', '--output-prefix', 'k', '--passphrase-file', 'pass'], { cwd: dir })
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, 'Key written to "k.private" and "k.pub"\n')
    assert.equal(r.stderr, '')
    assert.equal((await stat(join(dir, 'k.private'))).mode & 0o777, 0o600)
    const key = await loadSigstorePrivateKey(await readFile(join(dir, 'k.private')), Buffer.from('correct horse'))
    const pub = await readFile(join(dir, 'k.pub'))
    assert.deepEqual(publicKeyPem(key), pub)
    assert.equal(parseSigstorePublicKey(pub).asymmetricKeyType, 'ec')

    const again = await skiff(['generate-sigstore-key', '--output-prefix', 'k', '--passphrase-file', 'pass'], {
      cwd: dir,
    })
    assert.equal(again.code, 1)
    assert.equal(again.stderr, 'skiff: Refusing to overwrite existing "k.pub"\n')
    assert.deepEqual(await readFile(join(dir, 'k.pub')), pub)

    const noTty = await skiff(['generate-sigstore-key', '--output-prefix', 'n'], { cwd: dir })
    assert.equal(noTty.code, 1)
    assert.match(
      noTty.stderr,
      /^skiff: Cannot prompt for a passphrase for key n\.private, standard input is not a TTY; /,
    )
    const noFile = await skiff(['generate-sigstore-key', '--output-prefix', 'n', '--passphrase-file', 'missing'], {
      cwd: dir,
    })
    assert.equal(noFile.code, 1)
    assert.match(noFile.stderr, /^skiff: open missing: no such file or directory\n$/)
    const usage = await skiff(['generate-sigstore-key', 'extra'], { cwd: dir })
    assert.equal(usage.code, 1)
    assert.match(usage.stderr, /^skiff: Usage: generate-sigstore-key --output-prefix PREFIX\n/)
    assert.deepEqual((await readdir(dir)).sort(), ['k.private', 'k.pub', 'pass'])
  })
})
