import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseInvocation } from '../../../src/cli/program.js'
import { copyRequestFrom } from '../../../src/cli/options/copy.js'

async function request(...argv: string[]) {
  const inv = await parseInvocation(['copy', ...argv])
  if (inv.kind !== 'run') throw new Error('expected a command')
  return copyRequestFrom(inv.args, inv.flags, inv.global)
}

test('registry flags become typed TransportOptions per side', async () => {
  const r = await request(
    '--src-tls-verify=false',
    '--src-creds',
    'me:secret:x',
    '--dest-username',
    'u',
    '--dest-password',
    'p',
    '--dest-cert-dir',
    '/certs',
    '--authfile',
    '/auth.json',
    '--dest-authfile',
    '/d.json',
    '--dest-registry-token',
    'tok',
    'oci:/a:x',
    'dir:/b',
  )
  assert.deepEqual(r.options.source?.registry, {
    authFile: '/auth.json',
    credentials: { username: 'me', password: 'secret:x' },
    tlsVerify: false,
  })
  assert.deepEqual(r.options.destination?.registry, {
    authFile: '/d.json',
    credentials: { username: 'u', password: 'p' },
    bearerToken: 'tok',
    certDir: '/certs',
  })
  assert.equal(r.source, 'oci:/a:x')
  assert.equal(r.destination, 'dir:/b')
})

test("skopeo's mutual exclusions", async () => {
  await assert.rejects(
    request('--src-creds', 'a:b', '--src-no-creds', 'x', 'y'),
    /creds and no-creds cannot be specified at the same time/,
  )
  await assert.rejects(
    request('--dest-creds', 'a:b', '--dest-username', 'u', 'x', 'y'),
    /creds and username cannot be specified at the same time/,
  )
  await assert.rejects(request('--src-username', 'u', '--src-no-creds', 'x', 'y'), /username and no-creds/)
  await assert.rejects(
    request('--src-username', 'u', 'x', 'y'),
    /password must be specified when username is specified/,
  )
  await assert.rejects(
    request('--src-password', 'p', 'x', 'y'),
    /username must be specified when password is specified/,
  )
  await assert.rejects(request('--src-creds', ':p', 'x', 'y'), /username can't be empty/)
  await assert.rejects(
    request('--all', '--multi-arch', 'system', 'x', 'y'),
    /Cannot use --all and --multi-arch flags together/,
  )
  await assert.rejects(
    request('--encryption-key', 'jwe:/k', '--decryption-key', 'k', 'x', 'y'),
    /--encryption-key and --decryption-key cannot be specified together/,
  )
  await assert.rejects(
    request('--encrypt-layer', '-1', 'x', 'y'),
    /--encrypt-layer can only be used with --encryption-key/,
  )
  await assert.rejects(request('--dest-compress', '--dest-decompress', 'x', 'y'), /cannot be used together/)
  await assert.rejects(request('x'), /Exactly two arguments expected/)
})

test('sigstore signing and encryption fail clearly instead of being ignored; --sign-by builds a GPG signer', async () => {
  const signed = await request('--sign-by', 'ABCDEF', '--sign-identity', 'docker.io/library/x:1', 'x', 'y')
  assert.deepEqual(
    signed.options.signers?.map((s) => s.progressMessage),
    ['Signing manifest using simple signing'],
  )
  assert.equal(signed.options.signIdentity?.toString(), 'docker.io/library/x:1')
  // skopeo's reference.ParseNamed: only the canonical form
  await assert.rejects(
    request('--sign-by', 'ABCDEF', '--sign-identity', 'x:1', 'x', 'y'),
    /^Error: Could not parse --sign-identity: repository name must be canonical$|Could not parse --sign-identity: repository name must be canonical/,
  )
  // sigstore signing: the request carries the key and passphrase file; the command makes the signer
  assert.deepEqual(
    (await request('--sign-by-sigstore-private-key', '/k', '--sign-passphrase-file', '/p', 'x', 'y'))
      .sigstorePrivateKey,
    { path: '/k', passphraseFile: '/p' },
  )
  await assert.rejects(request('--sign-passphrase-file', '/p', 'x', 'y'), /--sign-passphrase-file\) is not supported/)
  await assert.rejects(request('--encryption-key', 'jwe:/k.pem', 'x', 'y'), /not supported/)
  await assert.rejects(request('--decryption-key', '/k.pem', 'x', 'y'), /not supported/)
})

test('copy options: --all, --multi-arch lists, format, compression, digestfile, tags', async () => {
  assert.equal((await request('-a', 'x', 'y')).options.multiArch, 'all')
  assert.equal((await request('x', 'y')).options.multiArch, 'system')
  assert.equal((await request('--all=false', '--multi-arch', 'index-only', 'x', 'y')).options.multiArch, 'index-only')
  const r = await request(
    '--multi-arch',
    'linux/amd64,linux/arm64/v8',
    '--strip-removed-platforms',
    '-f',
    'v2s2',
    '--dest-compress-format=zstd',
    '--dest-compress-level',
    '19',
    '--preserve-digests',
    '--remove-signatures',
    '--image-parallel-copies',
    '2',
    '--digestfile',
    '/tmp/d',
    '--additional-tag',
    'a:1,b/c:2',
    '--dest-oci-accept-uncompressed-layers',
    'x',
    'y',
  )
  assert.deepEqual(r.options.multiArch, [
    { os: 'linux', architecture: 'amd64' },
    { os: 'linux', architecture: 'arm64', variant: 'v8' },
  ])
  assert.equal(r.options.stripRemovedPlatforms, true)
  assert.equal(r.options.format, 'v2s2')
  assert.deepEqual(r.options.compression, { format: 'zstd', level: 19 })
  assert.equal(r.options.preserveDigests, true)
  assert.equal(r.options.removeSignatures, true)
  assert.equal(r.options.imageParallelCopies, 2)
  assert.equal(r.digestFile, '/tmp/d')
  assert.deepEqual(r.options.destination?.additionalTags?.map(String), ['docker.io/library/a:1', 'docker.io/b/c:2'])
  assert.equal(r.options.destination?.ociAcceptUncompressedLayers, true)
  await assert.rejects(request('--multi-arch', 'some', 'x', 'y'), /unknown multi-arch option "some"/)
  await assert.rejects(request('-f', 'docker', 'x', 'y'), /unknown format "docker"/)
  await assert.rejects(
    request('--additional-tag', 'a@sha256:' + 'a'.repeat(64), 'x', 'y'),
    /must be a tagged reference/,
  )
  await assert.rejects(request('--dest-compress-format', 'xz', 'x', 'y'), /unknown compression algorithm/)
})

test('the deprecated --tls-verify applies to both sides (a prefixed one wins) with a warning', async () => {
  const r = await request('--tls-verify=false', '--dest-tls-verify', 'x', 'y')
  assert.equal(r.options.source?.registry?.tlsVerify, false)
  assert.equal(r.options.destination?.registry?.tlsVerify, true)
  assert.match(r.warnings.join('\n'), /'--tls-verify' is deprecated/)
})

test('global overrides and tmpdir reach both sides', async () => {
  const inv = await parseInvocation([
    '--override-os',
    'linux',
    '--override-arch',
    'arm',
    '--tmpdir',
    '/t',
    'copy',
    'x',
    'y',
  ])
  if (inv.kind !== 'run') throw new Error('expected a command')
  const r = copyRequestFrom(inv.args, inv.flags, inv.global)
  assert.deepEqual(r.options.platform, { os: 'linux', architecture: 'arm' })
  assert.equal(r.options.source?.tmpdir, '/t')
  assert.deepEqual(r.options.destination?.platform, { os: 'linux', architecture: 'arm' })
})
