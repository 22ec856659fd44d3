/**
 * The simple-signing payload: written byte for byte as containers/image writes it, and parsed as
 * strictly — crafted payloads signed with gpg give skopeo 1.9.3's standalone-verify message.
 */
import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { manifestDigest } from '../../src/manifest/parse.js'
import { importKeys } from '../../src/signature/openpgp.js'
import { marshalPayload, newPayload, parsePayload } from '../../src/signature/payload.js'
import { untrustedSignatureInformation, verifyManifestSignature } from '../../src/signature/standalone.js'
import { type GpgHome, makeGpgHome } from '../helpers/gpg.js'
import { run } from '../helpers/tools.js'

let gpg: GpgHome
before(async () => {
  gpg = await makeGpgHome([''])
})
after(async () => {
  await gpg?.close()
})

const REF = 'docker.io/library/hello:latest'

test('the payload is written as containers/image writes it (Go map order, no spaces)', () => {
  const p = newPayload('sha256:' + 'a'.repeat(64), REF, 1_700_000_000_123)
  assert.equal(p.timestamp, 1_700_000_000)
  assert.equal(
    marshalPayload(p).toString(),
    `{"critical":{"identity":{"docker-reference":"${REF}"},"image":{"docker-manifest-digest":"sha256:${'a'.repeat(64)}"},"type":"atomic container signature"},"optional":{"creator":"${p.creatorID}","timestamp":1700000000}}`,
  )
  assert.deepEqual(parsePayload(marshalPayload(p)), p)
  assert.throws(
    () => marshalPayload({ dockerManifestDigest: '', dockerReference: REF }),
    /Unexpected empty signature content/,
  )
})

test('strict parsing: crafted payloads get skopeo 1.9.3’s messages', async () => {
  const manifest = await readFile('examples/hello/index.json')
  const digest = manifestDigest(manifest)
  const mpath = join(gpg.dir, 'manifest.json')
  await writeFile(mpath, manifest)
  const keyring = await importKeys([await readFile(gpg.publicKeyFiles[0]!)])
  const good = (extra = '') =>
    `{"critical":{"identity":{"docker-reference":"${REF}"},"image":{"docker-manifest-digest":"${digest}"},"type":"atomic container signature"${extra}},"optional":{}}`
  const payloads = [
    good(),
    good(',"extra":1'),
    `{"critical":{"identity":{"docker-reference":"${REF}"},"image":{"docker-manifest-digest":"${digest}"},"type":"other"},"optional":{}}`,
    `{"critical":{"identity":{"docker-reference":"${REF}"},"image":{"docker-manifest-digest":"${digest}"}},"optional":{}}`,
    `{"critical":{"identity":{"docker-reference":"${REF}"},"image":{"docker-manifest-digest":"${digest}"},"type":"atomic container signature"},"optional":{"timestamp":1.5}}`,
    `{"critical":{"identity":{"docker-reference":"${REF}"},"image":{"docker-manifest-digest":"${digest}"},"type":"atomic container signature"},"optional":{"creator":5}}`,
    `{"critical":{"identity":{"docker-reference":"${REF}"},"image":{"docker-manifest-digest":"sha256:${'0'.repeat(64)}"},"type":"atomic container signature"},"optional":{}}`,
    `{"critical":{"identity":{"docker-reference":"${REF}"},"image":{"docker-manifest-digest":"${digest}"},"type":"atomic container signature"},"optional":{},"critical":{}}`,
    `{"critical":null,"optional":{}}`,
    `{"critical":{}}`,
    `[1]`,
    `{"critical": {} `,
  ]
  for (const [i, text] of payloads.entries()) {
    const input = join(gpg.dir, `p${i}`)
    const sig = join(gpg.dir, `p${i}.sig`)
    await writeFile(input, text)
    const s = await run('gpg', ['--batch', '--yes', '--output', sig, '--sign', input], { env: gpg.env })
    assert.equal(s.code, 0, s.stderr)
    const theirs = await run('skopeo', ['standalone-verify', mpath, REF, gpg.fingerprints[0]!, sig], { env: gpg.env })
    const bytes = await readFile(sig)
    let ours = 'ok'
    try {
      await verifyManifestSignature(bytes, manifest, REF, keyring, [gpg.fingerprints[0]!])
    } catch (e) {
      ours = `Error verifying signature: ${(e as Error).message}`
    }
    const expected = theirs.code === 0 ? 'ok' : /msg="(.*)"\s*$/.exec(theirs.stderr)![1]!.replace(/\\"/g, '"')
    assert.equal(ours, expected, text)
  }
})

test('untrusted-signature-dump reads what skopeo reads, without the key', async () => {
  const input = join(gpg.dir, 'u')
  const sig = join(gpg.dir, 'u.sig')
  await writeFile(input, marshalPayload(newPayload('sha256:' + 'b'.repeat(64), REF)))
  assert.equal((await run('gpg', ['--batch', '--yes', '--output', sig, '--sign', input], { env: gpg.env })).code, 0)
  const theirs = await run('skopeo', ['untrusted-signature-dump-without-verification', sig])
  const info = await untrustedSignatureInformation(await readFile(sig))
  const t = JSON.parse(theirs.stdout)
  assert.equal(info.untrustedDockerManifestDigest, t.UntrustedDockerManifestDigest)
  assert.equal(info.untrustedDockerReference, t.UntrustedDockerReference)
  assert.equal(info.untrustedShortKeyIdentifier, t.UntrustedShortKeyIdentifier)
  assert.equal(info.untrustedShortKeyIdentifier, gpg.fingerprints[0]!.slice(-16))
  assert.equal(new Date(info.untrustedTimestamp! * 1000).toISOString().replace('.000', ''), t.UntrustedTimestamp)
})
