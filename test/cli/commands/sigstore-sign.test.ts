/**
 * Sigstore end to end, as a user runs it: a key from `generate-sigstore-key`, `copy
 * --sign-by-sigstore-private-key` into a docker-registry 2.8 whose registries.d says
 * `use-sigstore-attachments: true`, skiff verifying it with a sigstoreSigned policy (and refusing a
 * wrong key), the signature travelling with a registry-to-registry copy, skopeo copying the `.sig`
 * tag and openssl verifying what it holds (Debian's skopeo has sigstore disabled, so it cannot verify
 * itself); a wrong passphrase refused before anything is pushed; a destination without attachments
 * refused with containers/image's message.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startRegistry, type Registry } from '../../helpers/registry/index.js'
import { smallImage, writeOciImage, type BuiltImage } from '../../helpers/fixtures.js'
import { requireTool, run, skopeo } from '../../helpers/tools.js'
import { skiff } from '../run-skiff.js'

let reg: Registry
let dir: string
let img: BuiltImage
const sigTag = (): string => `sha256-${img.manifestDigest.slice(7)}.sig`

before(async () => {
  requireTool('openssl')
  dir = await mkdtemp(join(tmpdir(), 'skiff-sigstore-cli-'))
  reg = await startRegistry()
  img = await writeOciImage(join(dir, 'layout'), 'v1', smallImage('signed'))
  await writeFile(join(dir, 'pass'), 'secret passphrase\n')
  await writeFile(join(dir, 'wrong'), 'not the passphrase\n')
  await mkdir(join(dir, 'registries.d'))
  await writeFile(
    join(dir, 'registries.d', 'test.yaml'),
    `default-docker:\n  lookaside: file://${dir}/lookaside\n  use-sigstore-attachments: true\ndocker:\n  ${reg.host}/plain:\n    use-sigstore-attachments: false\n`,
  )
  const policy = (keyPath: string, signedIdentity?: object): string =>
    JSON.stringify({
      default: [{ type: 'insecureAcceptAnything' }],
      transports: {
        docker: {
          [`${reg.host}/signed`]: [{ type: 'sigstoreSigned', keyPath, ...(signedIdentity ? { signedIdentity } : {}) }],
          [`${reg.host}/copied`]: [
            {
              type: 'sigstoreSigned',
              keyPath,
              signedIdentity: {
                type: 'remapIdentity',
                prefix: `${reg.host}/copied`,
                signedPrefix: `${reg.host}/signed`,
              },
            },
          ],
        },
      },
    })
  await writeFile(join(dir, 'policy.json'), policy(join(dir, 'k.pub')))
  await writeFile(join(dir, 'other-policy.json'), policy(join(dir, 'other.pub')))
  for (const prefix of ['k', 'other']) {
    const g = await skiff([
      'generate-sigstore-key',
      '--output-prefix',
      join(dir, prefix),
      '--passphrase-file',
      join(dir, 'pass'),
    ])
    assert.equal(g.code, 0, g.stderr)
  }
  const signed = await skiff([
    '--insecure-policy',
    '--registries.d',
    join(dir, 'registries.d'),
    'copy',
    '--dest-tls-verify=false',
    '--sign-by-sigstore-private-key',
    join(dir, 'k.private'),
    '--sign-passphrase-file',
    join(dir, 'pass'),
    `oci:${join(dir, 'layout')}:v1`,
    `docker://${reg.host}/signed/app:v1`,
  ])
  assert.equal(signed.code, 0, signed.stderr)
  assert.match(signed.stderr, /^Signing manifest using a sigstore signature$/m)
})
after(async () => {
  await reg?.close()
  if (dir) await rm(dir, { recursive: true, force: true })
})

/** skiff with the test's registries.d and a policy, reading from the plain-HTTP registry. */
function skiffWith(policy: string, ...args: string[]): ReturnType<typeof skiff> {
  return skiff(['--policy', join(dir, policy), '--registries.d', join(dir, 'registries.d'), ...args])
}

test('skiff verifies the signature in the .sig attachment, and refuses it with another key', async () => {
  const ok = await skiffWith(
    'policy.json',
    'copy',
    '--src-tls-verify=false',
    `docker://${reg.host}/signed/app:v1`,
    `dir:${join(dir, 'out')}`,
  )
  assert.equal(ok.code, 0, ok.stderr)
  // the dir: copy carries the signature as containers/image stores a sigstore one in dir:
  assert.deepEqual((await readFile(join(dir, 'out', 'signature-1'))).subarray(0, 15), Buffer.from('\0sigstore-json\n'))
  const bad = await skiffWith(
    'other-policy.json',
    'copy',
    '--src-tls-verify=false',
    `docker://${reg.host}/signed/app:v1`,
    `dir:${join(dir, 'out2')}`,
  )
  assert.equal(bad.code, 1)
  assert.equal(
    bad.stderr.trim().split('\n').at(-1),
    `skiff: docker://${reg.host}/signed/app:v1: Source image rejected: cryptographic signature verification failed: invalid signature when validating ASN.1 encoded signature`,
  )
  await assert.rejects(readdir(join(dir, 'out2')), /ENOENT/)
})

test('the signature travels with a registry-to-registry copy and verifies there (remapIdentity)', async () => {
  const c = await skiffWith(
    'policy.json',
    'copy',
    '--src-tls-verify=false',
    '--dest-tls-verify=false',
    `docker://${reg.host}/signed/app:v1`,
    `docker://${reg.host}/copied/app:v1`,
  )
  assert.equal(c.code, 0, c.stderr)
  const v = await skiffWith(
    'policy.json',
    'copy',
    '--src-tls-verify=false',
    `docker://${reg.host}/copied/app:v1`,
    `dir:${join(dir, 'out3')}`,
  )
  assert.equal(v.code, 0, v.stderr)
  // without a signature at the copy, the same policy refuses
  const unsigned = await skiff([
    '--insecure-policy',
    'copy',
    '--dest-tls-verify=false',
    `oci:${join(dir, 'layout')}:v1`,
    `docker://${reg.host}/copied/bare:v1`,
  ])
  assert.equal(unsigned.code, 0, unsigned.stderr)
  const r = await skiffWith(
    'policy.json',
    'copy',
    '--src-tls-verify=false',
    `docker://${reg.host}/copied/bare:v1`,
    `dir:${join(dir, 'out4')}`,
  )
  assert.equal(r.code, 1)
  assert.match(r.stderr, /Source image rejected: A signature was required, but no signature exists\n$/)
})

test('skopeo copies the .sig tag unchanged, and openssl verifies its signature with the .pub file', async () => {
  const out = join(dir, 'sigdir')
  const c = await skopeo([
    'copy',
    '--src-tls-verify=false',
    `docker://${reg.host}/signed/app:${sigTag()}`,
    `dir:${out}`,
  ])
  assert.equal(c.code, 0, c.stderr)
  const m = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as {
    mediaType: string
    layers: { mediaType: string; digest: string; annotations: Record<string, string> }[]
  }
  assert.equal(m.mediaType, 'application/vnd.oci.image.manifest.v1+json')
  assert.equal(m.layers.length, 1)
  const layer = m.layers[0]!
  assert.equal(layer.mediaType, 'application/vnd.dev.cosign.simplesigning.v1+json')
  const payload = join(out, layer.digest.slice(7))
  const claims = JSON.parse(await readFile(payload, 'utf8')) as { critical: Record<string, Record<string, string>> }
  assert.deepEqual(claims.critical.image, { 'docker-manifest-digest': img.manifestDigest })
  assert.deepEqual(claims.critical.identity, { 'docker-reference': `${reg.host}/signed/app:v1` })
  await writeFile(join(dir, 'sig.der'), Buffer.from(layer.annotations['dev.cosignproject.cosign/signature']!, 'base64'))
  for (const [pub, ok] of [
    ['k.pub', true],
    ['other.pub', false],
  ] as const) {
    const v = await run('openssl', [
      'dgst',
      '-sha256',
      '-verify',
      join(dir, pub),
      '-signature',
      join(dir, 'sig.der'),
      payload,
    ])
    assert.equal(v.code === 0, ok, `${pub}: ${v.stdout}${v.stderr}`)
  }
})

test('a wrong passphrase is refused before anything is pushed; a destination without attachments is refused', async () => {
  const wrong = await skiff([
    '--insecure-policy',
    '--registries.d',
    join(dir, 'registries.d'),
    'copy',
    '--dest-tls-verify=false',
    '--sign-by-sigstore-private-key',
    join(dir, 'k.private'),
    '--sign-passphrase-file',
    join(dir, 'wrong'),
    `oci:${join(dir, 'layout')}:v1`,
    `docker://${reg.host}/signed/app:v2`,
  ])
  assert.equal(wrong.code, 1)
  assert.equal(
    wrong.stderr,
    `skiff: initializing private key ${join(dir, 'k.private')}: decrypt: encrypted: decryption failed (the passphrase is wrong, or the key file was changed)\n`,
  )
  const tags = await skopeo(['list-tags', '--tls-verify=false', `docker://${reg.host}/signed/app`])
  assert.deepEqual((JSON.parse(tags.stdout) as { Tags: string[] }).Tags.sort(), [sigTag(), 'v1'].sort())

  const plain = await skiffWith(
    'policy.json',
    'copy',
    '--src-tls-verify=false',
    '--dest-tls-verify=false',
    `docker://${reg.host}/signed/app:v1`,
    `docker://${reg.host}/plain/app:v1`,
  )
  assert.equal(plain.code, 1)
  assert.match(plain.stderr, /writing sigstore attachments is disabled by configuration/)
})

test('sync --sign-by-sigstore-private-key signs what it copies, into the attachments', async () => {
  const s = await skiffWith(
    'policy.json',
    'sync',
    '--src',
    'docker',
    '--dest',
    'docker',
    '--remove-signatures',
    '--sign-by-sigstore-private-key',
    join(dir, 'other.private'),
    '--sign-passphrase-file',
    join(dir, 'pass'),
    '--src-tls-verify=false',
    '--dest-tls-verify=false',
    `${reg.host}/signed/app:v1`,
    `${reg.host}/synced`,
  )
  assert.equal(s.code, 0, s.stderr)
  // the new signature is other.pub's, for the sync's destination name; k.pub's (removed) is not there
  const scoped = (key: string): string =>
    JSON.stringify({
      default: [{ type: 'reject' }],
      transports: { docker: { [`${reg.host}/synced`]: [{ type: 'sigstoreSigned', keyPath: join(dir, key) }] } },
    })
  await writeFile(join(dir, 'synced-other.json'), scoped('other.pub'))
  await writeFile(join(dir, 'synced-k.json'), scoped('k.pub'))
  const from = `docker://${reg.host}/synced/app:v1`
  const ok = await skiffWith('synced-other.json', 'copy', '--src-tls-verify=false', from, `dir:${join(dir, 'out5')}`)
  assert.equal(ok.code, 0, ok.stderr)
  const no = await skiffWith('synced-k.json', 'copy', '--src-tls-verify=false', from, `dir:${join(dir, 'out6')}`)
  assert.equal(no.code, 1)
  assert.match(no.stderr, /Source image rejected: cryptographic signature verification failed/)
  const tags = await skopeo(['list-tags', '--tls-verify=false', `docker://${reg.host}/synced/app`])
  assert.deepEqual((JSON.parse(tags.stdout) as { Tags: string[] }).Tags.sort(), [sigTag(), 'v1'].sort())
})
