/** SyncSource yaml on a real registry: images, then images-by-tag-regex, then images-by-semver, per registry; its settings win. */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { startRegistry, type Registry } from '../../helpers/registry/index.js'
import { smallImage, writeOciImage, type BuiltImage } from '../../helpers/fixtures.js'
import { copy } from '../../helpers/skiff.js'
import { withTempDir } from '../../helpers/tools.js'
import { yamlSource } from '../../../src/sync/sources/yaml.js'
import { isolateCache } from '../../transports/docker/helpers.js'
import { collect } from './helpers.js'

let reg: Registry
let img: BuiltImage
let restoreCache: () => void

before(async () => {
  restoreCache = isolateCache()
  reg = await startRegistry()
  await withTempDir(async (t) => {
    img = await writeOciImage(join(t, 'layout'), 'v1', smallImage('yaml-src'))
    for (const name of ['ns/app:v1', 'ns/app:v2', 'ns/app:v10', 'ns/app:1.2.3', 'ns/app:2.0.0', 'ns/all:x']) {
      await copy(`oci:${join(t, 'layout')}:v1`, `docker://${reg.host}/${name}`, {
        destination: { registry: { tlsVerify: false } },
      })
    }
  })
})

after(async () => {
  await reg?.close()
  restoreCache?.()
})

test('yaml source: listed refs, every tag, then regex and semver matches (`v10` is 10.0.0); the registry’s tls-verify and credentials win', () =>
  withTempDir(async (t) => {
    const file = join(t, 'sync.yml')
    await writeFile(
      file,
      `${reg.host}:\n  tls-verify: false\n  credentials:\n    username: u\n    password: p\n  images:\n    ns/app: [v1, "${img.manifestDigest}"]\n    ns/all: []\n    Bad/Repo: []\n` +
        `  images-by-tag-regex:\n    ns/app: ^v[0-9]$\n  images-by-semver:\n    ns/app: ">= 1.3"\nempty.example: {}\n`,
    )
    const { items, warnings } = await collect(yamlSource, {
      kind: 'yaml',
      input: file,
      options: { registry: { tlsVerify: true, anonymous: true } },
    })
    // tag lists keep the registry's order
    const listed: string[] = ((await (await fetch(`${reg.url}/v2/ns/app/tags/list`)).json()) as { tags: string[] }).tags
    const byRegex = listed.filter((t) => ['v1', 'v2'].includes(t))
    const bySemver = listed.filter((t) => ['2.0.0', 'v2', 'v10'].includes(t))
    assert.deepEqual(
      items.map((i) => i.source.toString()),
      [
        `ns/app:v1`,
        `ns/app@${img.manifestDigest}`,
        'ns/all:x',
        ...[...byRegex, ...bySemver].map((t) => `ns/app:${t}`),
      ].map((s) => `docker://${reg.host}/${s}`),
    )
    for (const i of items)
      assert.deepEqual(i.sourceOptions, {
        registry: { tlsVerify: false, credentials: { username: 'u', password: 'p' } },
      })
    assert.deepEqual(
      items.map((i) => i.group),
      [...Array(2).fill(`${reg.host}/ns/app`), `${reg.host}/ns/all`, ...Array(5).fill(`${reg.host}/ns/app`)],
    )
    assert.equal(warnings.length, 2, warnings.join('\n'))
    assert.match(warnings[0]!, new RegExp(`^${reg.host}: error parsing repository name "Bad/Repo", skipping: `))
    assert.equal(warnings[1], 'empty.example: no images specified for registry')
  }))

test('yaml source: an unreadable file or a bad pattern fails before anything is planned', () =>
  withTempDir(async (t) => {
    await assert.rejects(
      collect(yamlSource, { kind: 'yaml', input: join(t, 'none.yml') }),
      (e: any) => e.code === 'ERR_IMAGE_NOT_FOUND' && e.message.startsWith('cannot read the YAML file '),
    )
    const file = join(t, 'bad.yml')
    await writeFile(file, `${reg.host}:\n  images-by-tag-regex:\n    ns/app: "v(1"\n`)
    await assert.rejects(collect(yamlSource, { kind: 'yaml', input: file }), (e: any) =>
      e.message.includes(`${reg.host}: images-by-tag-regex: ns/app`),
    )
  }))
