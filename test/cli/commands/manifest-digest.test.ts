import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, generateKeyPairSync, sign } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { buildImage, sha256 } from '../../helpers/fixtures.js'
import { skopeo, withTempDir } from '../../helpers/tools.js'
import { skiff } from '../run-skiff.js'

/** libtrust's key ID: base32 of the first 240 bits of sha256(DER public key), in groups of 4. */
function libtrustKeyID(der: Buffer): string {
  const bytes = createHash('sha256').update(der).digest().subarray(0, 30)
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  let bits = ''
  for (const b of bytes) bits += b.toString(2).padStart(8, '0')
  let b32 = ''
  for (let i = 0; i < bits.length; i += 5) b32 += alphabet[parseInt(bits.slice(i, i + 5), 2)]
  return b32.match(/.{4}/g)!.join(':')
}

/** A schema1 manifest signed the libtrust way (a real ES256 JWS), as registries served them. */
function signedSchema1(): { bytes: Buffer; payload: Buffer } {
  const payloadText = JSON.stringify(
    {
      schemaVersion: 1,
      name: 'library/hello',
      tag: 'latest',
      architecture: 'amd64',
      fsLayers: [{ blobSum: 'sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4' }],
      history: [
        {
          v1Compatibility:
            '{"id":"e45a5af57b00862e5ef5782a9925979a02ba2b12dff832fd0991335f4a11e5c5","created":"2014-12-31T22:23:56.943403668Z","container_config":{"Cmd":null}}',
        },
      ],
    },
    null,
    3,
  )
  const formatLength = payloadText.lastIndexOf('\n}')
  const formatTail = Buffer.from(payloadText.slice(formatLength)).toString('base64url')
  const protectedHeader = Buffer.from(
    JSON.stringify({ formatLength, formatTail, time: '2015-01-01T00:00:00Z' }),
  ).toString('base64url')
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const jwk = publicKey.export({ format: 'jwk' })
  const kid = libtrustKeyID(publicKey.export({ format: 'der', type: 'spki' }))
  const signingInput = `${protectedHeader}.${Buffer.from(payloadText).toString('base64url')}`
  const signature = sign('sha256', Buffer.from(signingInput), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString(
    'base64url',
  )
  const sig = {
    header: { jwk: { crv: 'P-256', kid, kty: 'EC', x: jwk.x, y: jwk.y }, alg: 'ES256' },
    signature,
    protected: protectedHeader,
  }
  const signed =
    payloadText.slice(0, formatLength) +
    ',\n   "signatures": ' +
    JSON.stringify([sig], null, 3).replace(/\n/g, '\n   ') +
    payloadText.slice(formatLength)
  return { bytes: Buffer.from(signed), payload: Buffer.from(payloadText) }
}

test('manifest-digest prints what skopeo prints, for OCI, schema2 and signed schema1 manifests', async () => {
  await withTempDir(async (dir) => {
    const oci = await buildImage({ layers: [{ files: { a: 'a' } }] })
    const docker = await buildImage({ layers: [{ files: { b: 'b' } }], flavor: 'docker' })
    const s1 = signedSchema1()
    const cases: [string, Buffer][] = [
      ['oci.json', oci.manifest],
      ['docker.json', docker.manifest],
      ['schema1.json', s1.bytes],
    ]
    for (const [name, bytes] of cases) {
      const p = join(dir, name)
      await writeFile(p, bytes)
      const ours = await skiff(['manifest-digest', p])
      const theirs = await skopeo(['manifest-digest', p])
      assert.equal(theirs.code, 0, theirs.stderr)
      assert.equal(ours.code, 0, ours.stderr)
      assert.equal(ours.stdout, theirs.stdout, name)
      assert.match(ours.stdout, /^sha256:[0-9a-f]{64}\n$/)
    }
    // the signature really was stripped: the digest is the payload's, not the file's
    const s1out = await skiff(['manifest-digest', join(dir, 'schema1.json')])
    assert.equal(s1out.stdout, `${sha256(s1.payload)}\n`)
    assert.notEqual(s1out.stdout, `${sha256(s1.bytes)}\n`)
  })
})

test('manifest-digest: missing file and wrong argument count exit 1', async () => {
  const r = await skiff(['manifest-digest', '/nonexistent/manifest.json'])
  assert.equal(r.code, 1)
  assert.match(r.stderr, /^skiff: Error reading manifest from \/nonexistent\/manifest.json: /)
  const u = await skiff(['manifest-digest'])
  assert.equal(u.code, 1)
  assert.match(u.stderr, /Exactly one argument expected/)
})
