/**
 * Sigstore key files: reading keys encrypted by other implementations (fixtures/README.md: OpenSSL's
 * scrypt, libsodium's secretbox) with each accepted scrypt N, refusing wrong passphrases, tampered
 * files and other parameters; generating keys that openssl reads; PEM as Go reads it.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createPublicKey } from 'node:crypto'
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodePem, encodePem } from '../../../src/signature/sigstore/pem.js'
import {
  COSIGN_PRIVATE_KEY_PEM_TYPE,
  SigstoreKeyError,
  generateSigstoreKeyPair,
  loadSigstorePrivateKey,
  parseSigstorePublicKey,
  publicKeyPem,
} from '../../../src/signature/sigstore/keys.js'
import { checkSigstoreKeyFilesAbsent, writeSigstoreKeyFiles } from '../../../src/signature/sigstore/key-files.js'
import { requireTool, run } from '../../helpers/tools.js'

const FIXTURES = new URL('./fixtures/', import.meta.url)
const PASS = Buffer.from('fixture passphrase')
const fixture = (name: string): Promise<Buffer> => readFile(new URL(name, FIXTURES))

let dir: string
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-sigstore-keys-'))
})
after(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** The fixture's encrypted JSON with `edit` applied, back in a PEM block. */
async function editedFixture(edit: (o: Record<string, any>) => void): Promise<Buffer> {
  const block = decodePem(await fixture('libsodium-n32768.private'))!
  const o = JSON.parse(block.bytes.toString()) as Record<string, any>
  edit(o)
  return encodePem(block.type, Buffer.from(JSON.stringify(o)))
}

test('keys encrypted by libsodium + OpenSSL scrypt are read with N = 32768, 65536 and 131072', async () => {
  const pub = createPublicKey(await fixture('libsodium.pub')).export({ type: 'spki', format: 'der' })
  for (const n of [32768, 65536, 131072]) {
    const key = await loadSigstorePrivateKey(await fixture(`libsodium-n${n}.private`), PASS)
    assert.equal(key.asymmetricKeyType, 'ec')
    assert.deepEqual(createPublicKey(key).export({ type: 'spki', format: 'der' }), pub, `N=${n}`)
  }
})

test('a wrong passphrase is refused as such', async () => {
  await assert.rejects(
    loadSigstorePrivateKey(await fixture('libsodium-n32768.private'), Buffer.from('fixture passphrasE')),
    (e: unknown) =>
      e instanceof SigstoreKeyError && e.wrongPassphrase && e.message === 'decrypt: encrypted: decryption failed',
  )
})

test('tampered files and other parameters are refused (other scrypt costs before scrypt runs)', async () => {
  const cases: Array<[string, (o: Record<string, any>) => void, string]> = [
    ['N=2^20', (o) => (o.kdf.params.N = 1048576), 'decrypt: unsupported scrypt parameters'],
    ['r=16', (o) => (o.kdf.params.r = 16), 'decrypt: unsupported scrypt parameters'],
    ['kdf name', (o) => (o.kdf.name = 'argon2'), 'decrypt: encrypted: unknown kdf name "argon2"'],
    ['cipher name', (o) => (o.cipher.name = 'aes'), 'decrypt: encrypted: unknown cipher name "aes"'],
    [
      'short nonce',
      (o) => (o.cipher.nonce = Buffer.alloc(12).toString('base64')),
      'decrypt: encrypted: incorrect nonce size',
    ],
    [
      'flipped ciphertext byte',
      (o) => {
        const c = Buffer.from(o.ciphertext, 'base64')
        c[40]! ^= 1
        o.ciphertext = c.toString('base64')
      },
      'decrypt: encrypted: decryption failed',
    ],
    [
      'bad base64',
      (o) => (o.kdf.salt = 'not base64!'),
      'decrypt: illegal base64 data in Go struct field scryptKDF.salt',
    ],
  ]
  for (const [name, edit, message] of cases) {
    const t0 = process.cpuUsage()
    await assert.rejects(loadSigstorePrivateKey(await editedFixture(edit), PASS), { message }, name)
    if (message.includes('scrypt parameters')) assert.ok(process.cpuUsage(t0).user < 50_000, `${name}: no scrypt run`)
  }
  // Go's encoding/json matches member names case-insensitively
  const upper = await editedFixture((o) => {
    o.KDF = o.kdf
    delete o.kdf
  })
  assert.equal((await loadSigstorePrivateKey(upper, PASS)).asymmetricKeyType, 'ec')
})

test('PEM blocks that are not a sigstore private key are named', async () => {
  await assert.rejects(loadSigstorePrivateKey(Buffer.from('no pem here'), PASS), { message: 'invalid pem block' })
  await assert.rejects(loadSigstorePrivateKey(await fixture('libsodium.pub'), PASS), {
    message: 'unsupported pem type: PUBLIC KEY',
  })
  assert.throws(() => parseSigstorePublicKey(Buffer.from('garbage')), { message: 'PEM decoding failed' })
  assert.throws(() => parseSigstorePublicKey(encodePem('CERTIFICATE', Buffer.from('x'))), {
    message: 'unknown Public key PEM file type: CERTIFICATE. Are you passing the correct public key?',
  })
  assert.throws(() => parseSigstorePublicKey(encodePem('PUBLIC KEY', Buffer.from('not DER'))), /x509: failed to parse/)
})

test('PEM is read as Go reads it: text before the block, CRLF line ends, a malformed block skipped', async () => {
  const pem = (await fixture('libsodium.pub')).toString()
  const crlf = `comment line\r\n-----BEGIN PUBLIC KEY-----\r\n!!!\r\n-----END PUBLIC KEY-----\r\n${pem.replace(/\n/g, '\r\n')}`
  const block = decodePem(crlf)!
  assert.equal(block.type, 'PUBLIC KEY')
  assert.deepEqual(block.bytes, decodePem(pem)!.bytes)
  assert.equal(decodePem('-----BEGIN X-----\nAAAA\n'), undefined, 'no END line')
  assert.equal(encodePem('T', Buffer.alloc(48)).toString(), `-----BEGIN T-----\n${'A'.repeat(64)}\n-----END T-----\n`)
})

test('generated keys: cosign PEM types, N=32768, public key read by openssl, private key opens with the passphrase', async () => {
  requireTool('openssl')
  const pair = await generateSigstoreKeyPair(Buffer.from('pw'))
  const block = decodePem(pair.privateKey)!
  assert.equal(block.type, COSIGN_PRIVATE_KEY_PEM_TYPE)
  const enc = JSON.parse(block.bytes.toString()) as { kdf: { params: unknown } }
  assert.deepEqual(enc.kdf.params, { N: 32768, r: 8, p: 1 })
  const pubPath = join(dir, 'gen.pub')
  await writeFile(pubPath, pair.publicKey)
  const text = await run('openssl', ['pkey', '-pubin', '-in', pubPath, '-noout', '-text'])
  assert.equal(text.code, 0, text.stderr)
  assert.match(text.stdout, /NIST CURVE: P-256/)
  const key = await loadSigstorePrivateKey(pair.privateKey, Buffer.from('pw'))
  assert.deepEqual(publicKeyPem(key), pair.publicKey)
  assert.equal(parseSigstorePublicKey(pair.publicKey).asymmetricKeyType, 'ec')
})

test('key files: modes 0600 and 0644, never overwritten, nothing else left in the folder', async () => {
  const prefix = join(dir, 'files', 'k')
  await mkdir(join(dir, 'files'))
  const files = await writeSigstoreKeyFiles(prefix, Buffer.from(''))
  assert.equal((await stat(files.privateKeyPath)).mode & 0o777, 0o600)
  assert.equal((await stat(files.publicKeyPath)).mode & 0o777, 0o644 & ~process.umask())
  assert.deepEqual((await readdir(join(dir, 'files'))).sort(), ['k.private', 'k.pub'])
  // cosign accepts keys with an empty passphrase; so does skiff
  assert.equal(
    (await loadSigstorePrivateKey(await readFile(files.privateKeyPath), Buffer.from(''))).asymmetricKeyType,
    'ec',
  )
  const before = await readFile(files.privateKeyPath)
  await assert.rejects(writeSigstoreKeyFiles(prefix, Buffer.from('x')), {
    message: `Refusing to overwrite existing ${JSON.stringify(files.publicKeyPath)}`,
  })
  await rm(files.publicKeyPath)
  await assert.rejects(checkSigstoreKeyFilesAbsent(prefix), {
    message: `Refusing to overwrite existing ${JSON.stringify(files.privateKeyPath)}`,
  })
  assert.deepEqual(await readFile(files.privateKeyPath), before)
  await assert.rejects(writeSigstoreKeyFiles(join(dir, 'missing', 'k'), Buffer.from('x')), (e: Error) =>
    e.message.startsWith(`Error writing private key to ${JSON.stringify(join(dir, 'missing', 'k.private'))}: `),
  )
  assert.deepEqual((await readdir(join(dir, 'files'))).sort(), ['k.private'])
})
