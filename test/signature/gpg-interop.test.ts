/**
 * Simple signing against the oracle: skiff signs → skopeo 1.9.3 verifies (registry + lookaside,
 * dir:, standalone-verify), skopeo signs → skiff verifies, and refusals (wrong key, wrong identity,
 * tampered manifest, missing signature) with skopeo's exact messages; a policy matrix of every
 * signedIdentity matcher gives the same decision in both. One gpg home and one registry per file.
 */
import assert from 'node:assert/strict'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { loadPolicyContext } from '../../src/policy/context.js'
import { parseImageName } from '../../src/transports/registry.js'
import { manifestDigest } from '../../src/manifest/parse.js'
import { skiff } from '../cli/run-skiff.js'
import { gpgSigner } from '../../src/signature/gpg-signer.js'
import { importKeys } from '../../src/signature/openpgp.js'
import { verifyManifestSignature } from '../../src/signature/standalone.js'
import { parseNormalizedReference } from '../../src/reference/docker-reference.js'
import { type GpgHome, makeGpgHome } from '../helpers/gpg.js'
import { type Registry, startRegistry } from '../helpers/registry/index.js'
import { run } from '../helpers/tools.js'

let gpg: GpgHome
let reg: Registry
let tmp: string
let regd: string
let lookaside: string
let pass: string

before(async () => {
  ;[gpg, reg] = await Promise.all([makeGpgHome(['secret', '']), startRegistry()])
  tmp = await mkdtemp(join(tmpdir(), 'skiff-sign-'))
  regd = join(tmp, 'registries.d')
  lookaside = join(tmp, 'lookaside')
  await mkdir(regd)
  await writeFile(join(regd, 'default.yaml'), `default-docker:\n  lookaside: file://${lookaside}\n`)
  pass = join(tmp, 'pass')
  await writeFile(pass, 'secret\n')
})

after(async () => {
  await Promise.all([gpg?.close(), reg?.close(), tmp && rm(tmp, { recursive: true, force: true })])
})

function skopeoAs(args: string[]) {
  return run('skopeo', args, { env: gpg.env })
}

/** skopeo's fatal message (logrus msg="…"). */
function msg(stderr: string): string {
  return /msg="(.*)"\s*$/.exec(stderr)![1]!.replace(/\\"/g, '"')
}

async function policy(name: string, reqs: unknown[], transport = 'dir', scope = ''): Promise<string> {
  const p = join(tmp, `${name}.json`)
  await writeFile(p, JSON.stringify({ default: [{ type: 'reject' }], transports: { [transport]: { [scope]: reqs } } }))
  return p
}

/** skiff's decision (the library) and skopeo's (copy to dir:) for `image` under `policyPath`. */
async function decisions(policyPath: string, image: string, regdir = regd): Promise<{ skiff: string; skopeo: string }> {
  const ctx = await loadPolicyContext({ policyPath })
  const ref = parseImageName(image)
  const src = await ref.newImageSource({ registry: { tlsVerify: false, registriesDirPath: regdir } })
  let ours = 'accepted'
  try {
    await ctx.checkSource(ref, src)
  } catch (e) {
    ours = (e as Error).message
  } finally {
    await src.close()
  }
  const out = join(tmp, `out-${Math.random().toString(16).slice(2)}`)
  const r = await skopeoAs([
    '--policy',
    policyPath,
    '--registries.d',
    regdir,
    'copy',
    '-q',
    '--src-tls-verify=false',
    image,
    `dir:${out}`,
  ])
  await rm(out, { recursive: true, force: true })
  return { skiff: ours, skopeo: r.code === 0 ? 'accepted' : msg(r.stderr) }
}

const signedBy = (keyPath: string, signedIdentity?: unknown) => ({
  type: 'signedBy',
  keyType: 'GPGKeys',
  keyPath,
  ...(signedIdentity ? { signedIdentity } : {}),
})

describe('simple signing, interoperable with skopeo 1.9.3', () => {
  // first, before gpg-agent has the passphrase cached
  test('signing fails with skopeo’s words: a wrong passphrase, an unknown key; the signature verifies in-process', async () => {
    const manifest = await readFile('examples/hello/index.json')
    const identity = parseNormalizedReference('docker.io/library/hello:1')
    await assert.rejects(
      gpgSigner(gpg.fingerprints[0]!, { env: gpg.env, passphrase: 'wrong' }).sign(manifest, identity),
      (e: Error) => e.message === 'creating signature: Bad passphrase',
    )
    await assert.rejects(
      gpgSigner('AAAA1111', { env: gpg.env }).sign(manifest, identity),
      (e: Error) => e.message === 'creating signature: key "AAAA1111" not found',
    )
    const s = await gpgSigner(gpg.fingerprints[0]!, { env: gpg.env, passphrase: 'secret' }).sign(manifest, identity)
    assert.equal(s.format, 'simple-signing')
    const ring = await importKeys([await readFile(gpg.publicKeyFiles[0]!)])
    const v = await verifyManifestSignature(
      s.format === 'simple-signing' ? s.bytes : Buffer.alloc(0),
      manifest,
      identity.toString(),
      ring,
      [gpg.fingerprints[0]!],
    )
    assert.equal(v.dockerManifestDigest, manifestDigest(manifest))
    // by another key than the one expected
    await assert.rejects(
      verifyManifestSignature(
        s.format === 'simple-signing' ? s.bytes : Buffer.alloc(0),
        manifest,
        identity.toString(),
        ring,
        [gpg.fingerprints[1]!],
      ),
      (e: Error) =>
        e.message === `Signature by ${gpg.fingerprints[0]} does not match expected fingerprint ${gpg.fingerprints[1]}`,
    )
  })

  test('skiff copy --sign-by to a registry: skopeo verifies through the lookaside; standalone-verify accepts the file', async () => {
    const image = `docker://${reg.host}/ns/app:v1`
    const r = await skiff(
      [
        '--registries.d',
        regd,
        '--insecure-policy',
        'copy',
        '-q',
        '--dest-tls-verify=false',
        '--sign-by',
        gpg.fingerprints[0]!,
        '--sign-passphrase-file',
        pass,
        'oci:examples/hello:latest',
        image,
      ],
      { env: gpg.env },
    )
    assert.equal(r.code, 0, r.stderr)
    const raw = await skopeoAs(['inspect', '--raw', '--tls-verify=false', image])
    const digest = manifestDigest(Buffer.from(raw.stdout))
    const sigFile = join(lookaside, 'ns', `app@sha256=${digest.slice(7)}`, 'signature-1')
    const p = await policy('registry', [signedBy(gpg.publicKeyFiles[0]!)], 'docker', `${reg.host}/ns`)
    assert.deepEqual(await decisions(p, image), { skiff: 'accepted', skopeo: 'accepted' })
    await writeFile(join(tmp, 'm.json'), raw.stdout)
    const v = await skopeoAs([
      'standalone-verify',
      join(tmp, 'm.json'),
      `${reg.host}/ns/app:v1`,
      gpg.fingerprints[0]!,
      sigFile,
    ])
    assert.equal(v.code, 0, v.stderr)
    assert.equal(v.stdout, `Signature verified, digest ${digest}\n`)
    // the same lookaside served over http: read until the first 404; an error status refuses
    let status = 200
    const server = createServer((req, res) => {
      if (status !== 200) return res.writeHead(status).end()
      readFile(join(lookaside, decodeURIComponent(req.url!)))
        .then((b) => res.writeHead(200).end(b))
        .catch(() => res.writeHead(404).end())
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    try {
      const web = join(tmp, 'registries.d-web')
      await mkdir(web)
      const port = (server.address() as AddressInfo).port
      await writeFile(join(web, 'web.yaml'), `docker:\n  ${reg.host}/ns:\n    lookaside: http://127.0.0.1:${port}\n`)
      assert.deepEqual(await decisions(p, image, web), { skiff: 'accepted', skopeo: 'accepted' })
      status = 403
      const refused = await decisions(p, image, web)
      assert.equal(refused.skiff, refused.skopeo)
      assert.match(refused.skiff, /status 403 \(Forbidden\)$/)
    } finally {
      server.close()
    }
    // a key the policy does not name: both refuse with gpgme's words
    const wrong = await policy('registry-wrong', [signedBy(gpg.publicKeyFiles[1]!)], 'docker', `${reg.host}/ns`)
    const d = await decisions(wrong, image)
    assert.equal(d.skiff, d.skopeo)
    assert.match(d.skiff, /^Source image rejected: Invalid GPG signature: gpgme\.Signature\{Summary:128, /)
  })

  test('skiff sync --sign-by to a registry: each synced image signed; skopeo verifies through the lookaside', async () => {
    const list = join(tmp, 'images.txt')
    await writeFile(list, 'ns/app:v1\n') // pushed by the copy test above
    const r = await skiff(
      [
        '--registries.d',
        regd,
        '--insecure-policy',
        'sync',
        '--src-tls-verify=false',
        '--dest-tls-verify=false',
        '--src-registry',
        reg.host,
        '--sign-by',
        gpg.fingerprints[0]!,
        '--sign-passphrase-file',
        pass,
        '--src',
        'list',
        '--dest',
        'docker',
        list,
        `${reg.host}/synced`,
      ],
      { env: gpg.env },
    )
    assert.equal(r.code, 0, r.stderr)
    const image = `docker://${reg.host}/synced/ns/app:v1`
    const p = await policy('synced', [signedBy(gpg.publicKeyFiles[0]!)], 'docker', `${reg.host}/synced`)
    assert.deepEqual(await decisions(p, image), { skiff: 'accepted', skopeo: 'accepted' })
    const wrong = await policy('synced-wrong', [signedBy(gpg.publicKeyFiles[1]!)], 'docker', `${reg.host}/synced`)
    const d = await decisions(wrong, image)
    assert.equal(d.skiff, d.skopeo)
    assert.notEqual(d.skiff, 'accepted')
  })

  test('skopeo signs (copy --sign-by, standalone-sign) → skiff verifies; refusals carry skopeo’s messages', async () => {
    const signed = join(tmp, 'signed')
    const identity = 'docker.io/library/hello:latest'
    const c = await skopeoAs([
      '--insecure-policy',
      'copy',
      '-q',
      '--sign-by',
      gpg.fingerprints[1]!,
      '--sign-identity',
      identity,
      'oci:examples/hello:latest',
      `dir:${signed}`,
    ])
    assert.equal(c.code, 0, c.stderr)
    const exact = { type: 'exactReference', dockerReference: identity }
    const ok = await policy('dir-ok', [signedBy(gpg.publicKeyFiles[1]!, exact)])
    assert.deepEqual(await decisions(ok, `dir:${signed}`), { skiff: 'accepted', skopeo: 'accepted' })
    // skiff's standalone-verify of skopeo's standalone-sign
    const sig = join(tmp, 'standalone.sig')
    const s = await skopeoAs([
      'standalone-sign',
      '--passphrase-file',
      pass,
      join(signed, 'manifest.json'),
      identity,
      gpg.fingerprints[0]!,
      '-o',
      sig,
    ])
    assert.equal(s.code, 0, s.stderr)
    const v = await skiff(['standalone-verify', join(signed, 'manifest.json'), identity, gpg.fingerprints[0]!, sig], {
      env: gpg.env,
    })
    assert.equal(v.code, 0, v.stderr)
    const digest = manifestDigest(await readFile(join(signed, 'manifest.json')))
    assert.equal(v.stdout, `Signature verified using fingerprint ${gpg.fingerprints[0]}, digest ${digest}\n`)

    // the CLI forms: skiff's standalone-sign → skopeo's standalone-verify; both dumps of one file agree
    const ours = join(tmp, 'skiff-standalone.sig')
    const ss = await skiff(
      [
        'standalone-sign',
        '--passphrase-file',
        pass,
        join(signed, 'manifest.json'),
        identity,
        gpg.fingerprints[0]!,
        '-o',
        ours,
      ],
      { env: gpg.env },
    )
    assert.equal(ss.code, 0, ss.stderr)
    const sv = await skopeoAs([
      'standalone-verify',
      join(signed, 'manifest.json'),
      identity,
      gpg.fingerprints[0]!,
      ours,
    ])
    assert.equal(sv.code, 0, sv.stderr)
    assert.match(sv.stdout, new RegExp(`^Signature verified.*digest ${digest}\\n$`))
    const wrongId = await skopeoAs([
      'standalone-verify',
      join(signed, 'manifest.json'),
      'docker.io/library/hello:v2',
      gpg.fingerprints[0]!,
      ours,
    ])
    assert.equal(wrongId.code, 1, 'skopeo refuses skiff’s signature for another identity')
    for (const file of [sig, ours]) {
      const a = await skiff(['untrusted-signature-dump-without-verification', file])
      const b = await skopeoAs(['untrusted-signature-dump-without-verification', file])
      assert.equal(b.code, 0, b.stderr)
      assert.equal(a.code, 0, a.stderr)
      assert.equal(a.stdout, b.stdout)
    }
    assert.match(
      (await skiff(['untrusted-signature-dump-without-verification', ours])).stdout,
      /"UntrustedCreatorID": "skiff /,
    )

    // keyPaths (any of them) and keyData (the key itself, base64) accept as keyPath does
    const keyData = (await readFile(gpg.publicKeyFiles[1]!)).toString('base64')
    for (const req of [
      { type: 'signedBy', keyType: 'GPGKeys', keyPaths: gpg.publicKeyFiles, signedIdentity: exact },
      { type: 'signedBy', keyType: 'GPGKeys', keyData, signedIdentity: exact },
    ]) {
      const p = await policy(`dir-${Object.keys(req)[2]}`, [req])
      assert.deepEqual(await decisions(p, `dir:${signed}`), { skiff: 'accepted', skopeo: 'accepted' })
    }
    const cases: Array<[string, unknown[], string]> = [
      [
        'keyPaths without the signer',
        [{ type: 'signedBy', keyType: 'GPGKeys', keyPaths: [gpg.publicKeyFiles[0]!], signedIdentity: exact }],
        signed,
      ],
      [
        'wrong identity',
        [signedBy(gpg.publicKeyFiles[1]!, { type: 'exactReference', dockerReference: 'docker.io/library/hello:v2' })],
        signed,
      ],
      ['no name for matchRepoDigestOrExact', [signedBy(gpg.publicKeyFiles[1]!)], signed],
      ['missing key file', [signedBy(join(tmp, 'nope.gpg'), exact)], signed],
      ['not a key', [signedBy(pass, exact)], signed],
    ]
    for (const [what, reqs, dir] of cases) {
      const d = await decisions(await policy(what.replace(/ /g, '-'), reqs), `dir:${dir}`)
      assert.equal(d.skiff, d.skopeo, what)
      assert.notEqual(d.skiff, 'accepted', what)
    }
    // tampered manifest: the signature no longer matches
    const tampered = join(tmp, 'tampered')
    await run('cp', ['-r', signed, tampered])
    const m = JSON.parse(await readFile(join(tampered, 'manifest.json'), 'utf8'))
    m.annotations = { changed: 'yes' }
    await writeFile(join(tampered, 'manifest.json'), JSON.stringify(m))
    const t = await decisions(ok, `dir:${tampered}`)
    assert.equal(t.skiff, t.skopeo)
    assert.match(t.skiff, /^Source image rejected: Signature for digest sha256:[0-9a-f]{64} does not match$/)
    // no signature at all
    await rm(join(tampered, 'signature-1'))
    const none = await decisions(ok, `dir:${tampered}`)
    assert.deepEqual(none, {
      skiff: 'Source image rejected: A signature was required, but no signature exists',
      skopeo: 'Source image rejected: A signature was required, but no signature exists',
    })
  })

  test('policy matrix: every signedIdentity matcher accepts and refuses as skopeo does', async () => {
    // an image signed for its own name, in the registry (the matchers that need the image's name)
    const image = `docker://${reg.host}/ns/mx:v1`
    const r = await skiff(
      [
        '--registries.d',
        regd,
        '--insecure-policy',
        'copy',
        '-q',
        '--dest-tls-verify=false',
        '--sign-by',
        gpg.fingerprints[1]!,
        'oci:examples/hello:latest',
        image,
      ],
      { env: gpg.env },
    )
    assert.equal(r.code, 0, r.stderr)
    const host = reg.host
    const identities: Array<[string, unknown]> = [
      ['matchExact', { type: 'matchExact' }],
      ['matchRepoDigestOrExact', { type: 'matchRepoDigestOrExact' }],
      ['matchRepository', { type: 'matchRepository' }],
      ['exactReference ok', { type: 'exactReference', dockerReference: `${host}/ns/mx:v1` }],
      ['exactReference other tag', { type: 'exactReference', dockerReference: `${host}/ns/mx:v2` }],
      ['exactRepository ok', { type: 'exactRepository', dockerRepository: `${host}/ns/mx` }],
      ['exactRepository other', { type: 'exactRepository', dockerRepository: `${host}/ns/other` }],
      ['remapIdentity to itself', { type: 'remapIdentity', prefix: `${host}/ns`, signedPrefix: `${host}/ns` }],
      ['remapIdentity elsewhere', { type: 'remapIdentity', prefix: `${host}/ns`, signedPrefix: 'example.com/ns' }],
    ]
    const seen = new Set<string>()
    for (const [what, identity] of identities) {
      const p = await policy(
        `mx-${what.replace(/ /g, '-')}`,
        [signedBy(gpg.publicKeyFiles[1]!, identity)],
        'docker',
        `${host}/ns`,
      )
      const d = await decisions(p, image)
      assert.equal(d.skiff, d.skopeo, what)
      seen.add(d.skiff === 'accepted' ? 'accepted' : 'refused')
    }
    assert.deepEqual([...seen].sort(), ['accepted', 'refused'])
    // an image with a digest: matchRepoDigestOrExact accepts the signature of its repository
    const raw = await skopeoAs(['inspect', '--raw', '--tls-verify=false', image])
    const byDigest = `docker://${host}/ns/mx@${manifestDigest(Buffer.from(raw.stdout))}`
    for (const identity of [{ type: 'matchRepoDigestOrExact' }, { type: 'matchExact' }]) {
      const p = await policy(
        `mx-digest-${identity.type}`,
        [signedBy(gpg.publicKeyFiles[1]!, identity)],
        'docker',
        `${host}/ns`,
      )
      const d = await decisions(p, byDigest)
      assert.equal(d.skiff, d.skopeo, identity.type)
    }
    // requirements are ANDed, reject wins, insecureAcceptAnything adds nothing
    const and = await policy(
      'mx-and',
      [{ type: 'insecureAcceptAnything' }, signedBy(gpg.publicKeyFiles[0]!)],
      'docker',
      `${host}/ns`,
    )
    const a = await decisions(and, image)
    assert.equal(a.skiff, a.skopeo)
    const rej = await policy(
      'mx-reject',
      [signedBy(gpg.publicKeyFiles[1]!), { type: 'reject' }],
      'docker',
      `${host}/ns`,
    )
    const b = await decisions(rej, image)
    assert.equal(b.skiff, b.skopeo)
    assert.equal(b.skiff, `Source image rejected: Running image ${image} is rejected by policy.`)
  })
})
