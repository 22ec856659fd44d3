/**
 * Sigstore attachments in a real docker-registry 2.8: the `sha256-<hex>.sig` tag written as
 * containers/image writes it (OCI manifest, one layer per signature with its annotations, config
 * diff_ids), read back, a signature already there not added twice; skopeo copies the tag's
 * structure unchanged and openssl verifies the signature it carries.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { startRegistry, type Registry } from '../../helpers/registry/index.js'
import { smallImage, writeOciImage, type BuiltImage } from '../../helpers/fixtures.js'
import { copy } from '../../helpers/skiff.js'
import { requireTool, run, skopeo, withTempDir } from '../../helpers/tools.js'
import { parseImageName } from '../../../src/transports/registry.js'
import { openRepository } from '../../../src/transports/docker/options.js'
import { releaseClient } from '../../../src/registry/client.js'
import {
  readSigstoreAttachments,
  sigstoreAttachmentTag,
  writeSigstoreAttachments,
  type AttachmentAccess,
} from '../../../src/transports/docker/sigstore-attachments.js'
import { createSigstoreSignature } from '../../../src/signature/sigstore/sign.js'
import { publicKeyPem } from '../../../src/signature/sigstore/keys.js'
import { SIGSTORE_SIGNATURE_ANNOTATION, SIGSTORE_SIGNATURE_MIME_TYPE } from '../../../src/signature/types.js'
import type { DockerRef } from '../../../src/transports/docker/types.js'
import { insecure, insecureCopy, isolateCache } from './helpers.js'

let reg: Registry
let restore: () => void
let img: BuiltImage
let key: KeyObject
before(async () => {
  restore = isolateCache()
  reg = await startRegistry()
  key = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey
  await withTempDir(async (dir) => {
    img = await writeOciImage(join(dir, 'l'), 'v1', smallImage('sig'))
    await copy(`oci:${join(dir, 'l')}:v1`, `docker://${reg.host}/s/app:v1`, insecureCopy)
  })
})
after(async () => {
  await reg?.close()
  restore?.()
})

async function withAccess<T>(fn: (a: AttachmentAccess) => Promise<T>): Promise<T> {
  const ref = parseImageName(`docker://${reg.host}/s/app:v1`) as DockerRef
  const { client, repo } = await openRepository(ref, insecure, 'push')
  try {
    return await fn({ repo, image: ref.toString() })
  } finally {
    await releaseClient(client)
  }
}

test('attachments: none before, written and read back, no duplicate, a second signature appended', async () => {
  const d = img.manifestDigest
  assert.equal(sigstoreAttachmentTag(d), `sha256-${d.slice(7)}.sig`)
  await withAccess(async (a) => {
    assert.deepEqual(await readSigstoreAttachments(a, d), [])
    const s1 = createSigstoreSignature(img.manifest, `${reg.host}/s/app:v1`, key)
    const s2 = createSigstoreSignature(img.manifest, `${reg.host}/s/app:v2`, key)
    await writeSigstoreAttachments(a, d, [s1])
    await writeSigstoreAttachments(a, d, [s1])
    assert.deepEqual(await readSigstoreAttachments(a, d), [s1])
    await writeSigstoreAttachments(a, d, [s1, s2])
    assert.deepEqual(await readSigstoreAttachments(a, d), [s1, s2])
  })
  const raw = await skopeo([
    'inspect',
    '--raw',
    '--tls-verify=false',
    `docker://${reg.host}/s/app:${sigstoreAttachmentTag(d)}`,
  ])
  assert.equal(raw.code, 0, raw.stderr)
  const m = JSON.parse(raw.stdout) as {
    mediaType: string
    config: { mediaType: string }
    layers: { mediaType: string; digest: string; annotations: Record<string, string> }[]
  }
  assert.equal(m.mediaType, 'application/vnd.oci.image.manifest.v1+json')
  assert.equal(m.config.mediaType, 'application/vnd.oci.image.config.v1+json')
  assert.deepEqual(
    m.layers.map((l) => [l.mediaType, Object.keys(l.annotations)]),
    [
      [SIGSTORE_SIGNATURE_MIME_TYPE, [SIGSTORE_SIGNATURE_ANNOTATION]],
      [SIGSTORE_SIGNATURE_MIME_TYPE, [SIGSTORE_SIGNATURE_ANNOTATION]],
    ],
  )
  const cfg = await skopeo([
    'inspect',
    '--config',
    '--raw',
    '--tls-verify=false',
    `docker://${reg.host}/s/app:${sigstoreAttachmentTag(d)}`,
  ])
  assert.deepEqual(JSON.parse(cfg.stdout), {
    architecture: '',
    os: '',
    config: {},
    rootfs: { type: 'layers', diff_ids: m.layers.map((l) => l.digest) },
  })
})

test('skopeo copies the .sig tag unchanged, and openssl verifies the signature it holds', async () => {
  requireTool('openssl')
  const d = img.manifestDigest
  await withAccess((a) =>
    writeSigstoreAttachments(a, d, [createSigstoreSignature(img.manifest, `${reg.host}/s/app:v1`, key)]),
  )
  await withTempDir(async (dir) => {
    const tag = sigstoreAttachmentTag(d)
    const c = await skopeo([
      'copy',
      '--src-tls-verify=false',
      '--dest-tls-verify=false',
      `docker://${reg.host}/s/app:${tag}`,
      `docker://${reg.host}/mirror/app:${tag}`,
    ])
    assert.equal(c.code, 0, c.stderr)
    const d2 = await skopeo([
      'copy',
      '--src-tls-verify=false',
      `docker://${reg.host}/mirror/app:${tag}`,
      `dir:${join(dir, 'sig')}`,
    ])
    assert.equal(d2.code, 0, d2.stderr)
    const m = JSON.parse(await readFile(join(dir, 'sig', 'manifest.json'), 'utf8')) as {
      layers: { digest: string; annotations: Record<string, string> }[]
    }
    const layer = m.layers.at(-1)! // the one just added (test 1 left two)
    await writeFile(join(dir, 'sig.bin'), Buffer.from(layer.annotations[SIGSTORE_SIGNATURE_ANNOTATION]!, 'base64'))
    await writeFile(join(dir, 'key.pub'), publicKeyPem(key))
    const payload = join(dir, 'sig', layer.digest.slice(7))
    const v = await run('openssl', [
      'dgst',
      '-sha256',
      '-verify',
      join(dir, 'key.pub'),
      '-signature',
      join(dir, 'sig.bin'),
      payload,
    ])
    assert.equal(v.code, 0, v.stderr)
    assert.match(v.stdout, /Verified OK/)
    assert.match(await readFile(payload, 'utf8'), new RegExp(`"docker-manifest-digest":"${d}"`))
    // and skiff reads the copy's attachments as the original's
    const copyRef = parseImageName(`docker://${reg.host}/mirror/app:v1`) as DockerRef
    const { client, repo } = await openRepository(copyRef, insecure)
    try {
      const sigs = await readSigstoreAttachments({ repo, image: copyRef.toString() }, d)
      assert.equal(sigs.length, m.layers.length)
      assert.deepEqual(sigs.at(-1)!.payload, await readFile(payload))
    } finally {
      await releaseClient(client)
    }
  })
})

test("a .sig tag that is not an OCI manifest is refused with containers/image's message", async () => {
  await withTempDir(async (dir) => {
    const other = await writeOciImage(join(dir, 'l'), 'x', smallImage('other', { flavor: 'docker' }))
    const tag = sigstoreAttachmentTag(other.manifestDigest)
    await copy(`oci:${join(dir, 'l')}:x`, `docker://${reg.host}/s/app:${tag}`, insecureCopy)
    await withAccess(async (a) => {
      await assert.rejects(readSigstoreAttachments(a, other.manifestDigest), (e: Error) =>
        e.message.includes(
          `unexpected MIME type for sigstore attachment manifest ${reg.host}/s/app:${tag}: "application/vnd.docker.distribution.manifest.v2+json"`,
        ),
      )
    })
  })
})
