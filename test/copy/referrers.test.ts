/**
 * --referrers / --digest-tags (skiff only): an image's OCI referrers (an SBOM, and a signature of
 * that SBOM) and its cosign `.sig` digest tag travel with it, skipping what the destination has.
 * docker-registry 2.8 has no referrers API, so there both ends use the `sha256-<hex>` fallback tag
 * index; the API path runs against the tiny in-test registry (test/helpers/registry/referrers-registry.ts)
 * as a source (it is asked with GET /referrers) and as a destination (it indexes by itself, so no
 * fallback tag is written there).
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { startRegistry, type Registry } from '../helpers/registry/index.js'
import { pushRaw, startReferrersRegistry, type ReferrersRegistry } from '../helpers/registry/referrers-registry.js'
import { smallImage, writeOciImage, sha256, type BuiltImage } from '../helpers/fixtures.js'
import { copy } from '../helpers/skiff.js'
import { withTempDir } from '../helpers/tools.js'
import { skiff } from '../cli/run-skiff.js'
import { insecureCopy, isolateCache } from '../transports/docker/helpers.js'

const EMPTY = Buffer.from('{}')
const EMPTY_DESC = { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256(EMPTY), size: 2 }
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json'

let reg: Registry
let api: ReferrersRegistry
let restore: () => void
let img: BuiltImage
let sbom: { digest: string; bytes: Buffer }
let sbomSig: { digest: string; bytes: Buffer }
let sigTagDigest: string
const tagOf = (d: string): string => `sha256-${d.slice(7)}`

/** An artifact manifest with `subject` (OCI 1.1), its layer `content` of `type`. */
function artifact(subject: { digest: string; size: number }, type: string, content: Buffer): object {
  return {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: type,
    config: EMPTY_DESC,
    layers: [{ mediaType: type, digest: sha256(content), size: content.length }],
    subject: { mediaType: OCI_MANIFEST, ...subject },
    annotations: { 'org.example.kind': type },
  }
}

async function manifestAt(
  base: string,
  name: string,
  ref: string,
): Promise<{ status: number; json?: any; digest?: string }> {
  const r = await fetch(`${base}/v2/${name}/manifests/${ref}`, { headers: { accept: `${OCI_MANIFEST}, ${OCI_INDEX}` } })
  if (r.status !== 200) return { status: r.status }
  const bytes = Buffer.from(await r.arrayBuffer())
  return { status: 200, json: JSON.parse(bytes.toString()), digest: sha256(bytes) }
}

before(async () => {
  restore = isolateCache()
  ;[reg, api] = await Promise.all([startRegistry(), startReferrersRegistry()])
  await withTempDir(async (dir) => {
    img = await writeOciImage(join(dir, 'l'), 'v1', smallImage('refs'))
    await copy(`oci:${join(dir, 'l')}:v1`, `docker://${reg.host}/src/app:v1`, insecureCopy)
    await copy(`oci:${join(dir, 'l')}:v1`, `docker://${api.host}/src/app:v1`, insecureCopy)
  })
  const subject = { digest: img.manifestDigest, size: img.manifest.length }
  const sbomBytes = Buffer.from('{"spdxVersion":"SPDX-2.3"}')
  const sigBytes = Buffer.from('signature of the sbom')
  const sigPayload = Buffer.from('{"critical":{}}')
  for (const r of [reg, api]) {
    sbom = await pushRaw(r.url, 'src/app', artifact(subject, 'application/spdx+json', sbomBytes), [EMPTY, sbomBytes])
    sbomSig = await pushRaw(
      r.url,
      'src/app',
      artifact({ digest: sbom.digest, size: sbom.bytes.length }, 'application/vnd.example.sig', sigBytes),
      [EMPTY, sigBytes],
    )
  }
  // docker-registry 2.8 has no referrers API: the pusher maintains the fallback tags, as cosign/oras do
  const index = (m: { digest: string; bytes: Buffer }, type: string): object => ({
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [{ mediaType: OCI_MANIFEST, digest: m.digest, size: m.bytes.length, artifactType: type }],
  })
  await pushRaw(reg.url, 'src/app', index(sbom, 'application/spdx+json'), [], tagOf(img.manifestDigest))
  await pushRaw(reg.url, 'src/app', index(sbomSig, 'application/vnd.example.sig'), [], tagOf(sbom.digest))
  // a cosign-style digest tag
  const sig = await pushRaw(
    reg.url,
    'src/app',
    {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: EMPTY_DESC,
      layers: [
        {
          mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
          digest: sha256(sigPayload),
          size: sigPayload.length,
        },
      ],
    },
    [EMPTY, sigPayload],
    `${tagOf(img.manifestDigest)}.sig`,
  )
  sigTagDigest = sig.digest
})
after(async () => {
  await Promise.all([reg?.close(), api?.close()])
  restore?.()
})

test('fallback tags to fallback tags (docker-registry 2.8): referrers two deep and the .sig tag; a second copy skips them', async () => {
  const events: string[] = []
  await copy(`docker://${reg.host}/src/app:v1`, `docker://${reg.host}/dst/app:v1`, {
    ...insecureCopy,
    referrers: true,
    digestTags: true,
    onEvent: (e) => {
      if (e.type === 'referrer' || e.type === 'digest-tag') events.push(`${e.type} ${e.digest} ${e.skipped}`)
    },
  })
  assert.deepEqual(events, [
    `referrer ${sbom.digest} false`,
    `referrer ${sbomSig.digest} false`,
    `digest-tag ${sigTagDigest} false`,
  ])
  assert.equal((await manifestAt(reg.url, 'dst/app', sbom.digest)).digest, sbom.digest)
  assert.equal((await manifestAt(reg.url, 'dst/app', sbomSig.digest)).digest, sbomSig.digest)
  const fallback = await manifestAt(reg.url, 'dst/app', tagOf(img.manifestDigest))
  assert.deepEqual(
    fallback.json.manifests.map((m: { digest: string; artifactType: string }) => [m.digest, m.artifactType]),
    [[sbom.digest, 'application/spdx+json']],
  )
  assert.equal((await manifestAt(reg.url, 'dst/app', tagOf(sbom.digest))).json.manifests[0].digest, sbomSig.digest)
  assert.equal((await manifestAt(reg.url, 'dst/app', `${tagOf(img.manifestDigest)}.sig`)).digest, sigTagDigest)

  const before = reg.requests().length
  events.length = 0
  await copy(`docker://${reg.host}/src/app:v1`, `docker://${reg.host}/dst/app:v1`, {
    ...insecureCopy,
    referrers: true,
    digestTags: true,
    onEvent: (e) => {
      if (e.type === 'referrer' || e.type === 'digest-tag') events.push(`${e.type} ${e.digest} ${e.skipped}`)
    },
  })
  assert.deepEqual(events, [
    `referrer ${sbom.digest} true`,
    `referrer ${sbomSig.digest} true`,
    `digest-tag ${sigTagDigest} true`,
  ])
  const again = reg.requests().slice(before)
  assert.deepEqual(
    again
      .filter((r) => r.method === 'PUT' || r.method === 'POST' || r.method === 'PATCH')
      .map((r) => `${r.method} ${r.path}`),
    [`PUT /v2/dst/app/manifests/v1`],
    'only the image manifest is written again; no referrer, tag or blob',
  )
})

test('referrers API as the source (the in-test registry is asked with GET /referrers) into docker-registry 2.8', async () => {
  const n = api.requests.length
  await copy(`docker://${api.host}/src/app:v1`, `docker://${reg.host}/fromapi/app:v1`, {
    ...insecureCopy,
    referrers: true,
  })
  assert.ok(api.requests.slice(n).includes(`GET /v2/src/app/referrers/${img.manifestDigest}`))
  assert.ok(
    !api.requests.slice(n).some((r) => r.includes(`/manifests/${tagOf(img.manifestDigest)}`)),
    'no fallback tag read',
  )
  assert.equal((await manifestAt(reg.url, 'fromapi/app', sbom.digest)).digest, sbom.digest)
  assert.equal(
    (await manifestAt(reg.url, 'fromapi/app', tagOf(img.manifestDigest))).json.manifests[0].digest,
    sbom.digest,
  )
  assert.equal((await manifestAt(reg.url, 'fromapi/app', tagOf(sbom.digest))).json.manifests[0].digest, sbomSig.digest)
})

test('docker-registry 2.8 into a registry with the referrers API: it indexes them, no fallback tag is written', async () => {
  await copy(`docker://${reg.host}/src/app:v1`, `docker://${api.host}/toapi/app:v1`, {
    ...insecureCopy,
    referrers: true,
  })
  const r = (await (await fetch(`${api.url}/v2/toapi/app/referrers/${img.manifestDigest}`)).json()) as {
    manifests: { digest: string; artifactType: string }[]
  }
  assert.deepEqual(
    r.manifests.map((m) => [m.digest, m.artifactType]),
    [[sbom.digest, 'application/spdx+json']],
  )
  assert.deepEqual(api.tags('toapi/app'), ['v1'])
})

test('the CLI: copy and sync --referrers --digest-tags print what they copy; a non-registry end is refused', async () => {
  const c = await skiff([
    '--insecure-policy',
    'copy',
    '--referrers',
    '--digest-tags',
    '--src-tls-verify=false',
    '--dest-tls-verify=false',
    `docker://${reg.host}/src/app:v1`,
    `docker://${reg.host}/cli/app:v1`,
  ])
  assert.equal(c.code, 0, c.stderr)
  assert.match(
    c.stderr,
    new RegExp(`^Copying referrer ${sbom.digest} \\(application/spdx\\+json\\) of ${img.manifestDigest}$`, 'm'),
  )
  assert.match(c.stderr, new RegExp(`^Copying tag ${tagOf(img.manifestDigest)}\\.sig$`, 'm'))
  const s = await skiff([
    '--insecure-policy',
    'sync',
    '--src',
    'docker',
    '--dest',
    'docker',
    '--referrers',
    '--src-tls-verify=false',
    '--dest-tls-verify=false',
    `${reg.host}/src/app:v1`,
    `${reg.host}/synced`,
  ])
  assert.equal(s.code, 0, s.stderr)
  assert.equal((await manifestAt(reg.url, 'synced/app', sbom.digest)).digest, sbom.digest)
  await withTempDir(async (dir) => {
    const d = await skiff([
      '--insecure-policy',
      'copy',
      '--referrers',
      '--src-tls-verify=false',
      `docker://${reg.host}/src/app:v1`,
      `dir:${join(dir, 'x')}`,
    ])
    assert.equal(d.code, 1)
    assert.match(d.stderr, /--referrers and --digest-tags copy between registries only \(docker:\/\/ to docker:\/\/\)/)
  })
})

test('a referrer blob that does not match its digest stops the copy, and the referrer is not written', async () => {
  const layer = (JSON.parse(sbom.bytes.toString()) as { layers: { digest: string }[] }).layers[0]!.digest
  api.corrupt.add(layer)
  try {
    await assert.rejects(
      copy(`docker://${api.host}/src/app:v1`, `docker://${reg.host}/corrupt/app:v1`, {
        ...insecureCopy,
        referrers: true,
      }),
      (e: Error) => e.message.includes(layer) && /digest|corrupt/i.test(e.message),
    )
  } finally {
    api.corrupt.delete(layer)
  }
  assert.equal((await manifestAt(reg.url, 'corrupt/app', sbom.digest)).status, 404)
  assert.equal((await manifestAt(reg.url, 'corrupt/app', tagOf(img.manifestDigest))).status, 404)
})
