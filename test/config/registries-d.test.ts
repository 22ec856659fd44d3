/** registries.d: merging, duplicate namespaces, the most specific namespace, staging, defaults. */
import assert from 'node:assert/strict'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import {
  defaultLookaside,
  loadRegistriesD,
  lookasideTopLevel,
  registriesDirPath,
  useSigstoreAttachments,
} from '../../src/config/registries-d/index.js'
import { parseImageName } from '../../src/transports/registry.js'
import { withTempDir } from '../helpers/tools.js'

const image = (s: string) => parseImageName(s)

test('files are merged; the most specific namespace that sets a value wins; staging for writes', async () => {
  await withTempDir(async (dir) => {
    await writeFile(
      join(dir, 'a.yaml'),
      'default-docker:\n  lookaside: file:///default\n  use-sigstore-attachments: true\ndocker:\n  example.com:\n    sigstore: https://old.example/sigs\n',
    )
    await writeFile(
      join(dir, 'b.yaml'),
      'docker:\n  example.com/team:\n    lookaside: https://team.example/sigs\n    lookaside-staging: file:///staging\n    use-sigstore-attachments: false\n  example.com/team/app:v1:\n    use-sigstore-attachments: true\n',
    )
    await writeFile(join(dir, 'ignored.yml'), 'this is: [not read')
    const c = await loadRegistriesD({ dirPath: dir })
    const app = image('docker://example.com/team/app:v1')
    assert.equal(lookasideTopLevel(c, app, false), 'https://team.example/sigs')
    assert.equal(lookasideTopLevel(c, app, true), 'file:///staging')
    assert.equal(useSigstoreAttachments(c, app), true) // the identity itself sets it
    assert.equal(useSigstoreAttachments(c, image('docker://example.com/team/app:v2')), false)
    assert.equal(lookasideTopLevel(c, image('docker://example.com/other:1'), false), 'https://old.example/sigs')
    assert.equal(lookasideTopLevel(c, image('docker://example.com/other:1'), true), 'https://old.example/sigs')
    assert.equal(lookasideTopLevel(c, image('docker://quay.io/x:1'), false), 'file:///default')
    assert.equal(useSigstoreAttachments(c, image('docker://quay.io/x:1')), true)
  })
})

test('a namespace or default-docker defined twice is refused, naming both files; YAML errors name the file', async () => {
  await withTempDir(async (dir) => {
    await writeFile(join(dir, 'a.yaml'), 'docker:\n  example.com:\n    lookaside: file:///a\n')
    await writeFile(join(dir, 'b.yaml'), 'docker:\n  example.com:\n    lookaside: file:///b\n')
    await assert.rejects(
      loadRegistriesD({ dirPath: dir }),
      (e: Error) =>
        e.message ===
        `Error parsing signature storage configuration: "docker" namespace "example.com" defined both in "${join(dir, 'a.yaml')}" and "${join(dir, 'b.yaml')}"`,
    )
    await writeFile(join(dir, 'b.yaml'), 'default-docker:\n  lookaside: file:///b\n')
    await writeFile(join(dir, 'c.yaml'), 'default-docker:\n  lookaside: file:///c\n')
    await assert.rejects(
      loadRegistriesD({ dirPath: dir }),
      /"default-docker" defined both in ".*b\.yaml" and ".*c\.yaml"/,
    )
    await writeFile(join(dir, 'c.yaml'), 'default-docker: [unclosed\n')
    await assert.rejects(loadRegistriesD({ dirPath: dir }), (e: Error) =>
      e.message.startsWith(`parsing ${join(dir, 'c.yaml')}: `),
    )
  })
})

test('the directory: --registries.d, else the user one when it exists, else the system one; defaults', async () => {
  await withTempDir(async (home) => {
    const env = { HOME: home }
    assert.equal(await registriesDirPath({ env, systemDirPath: '/sys/registries.d' }), '/sys/registries.d')
    await mkdir(join(home, '.config', 'containers', 'registries.d'), { recursive: true })
    assert.equal(await registriesDirPath({ env }), join(home, '.config', 'containers', 'registries.d'))
    assert.equal(await registriesDirPath({ env, dirPath: '/given' }), '/given')
    assert.deepEqual(await loadRegistriesD({ env, dirPath: join(home, 'missing') }), { docker: new Map() })
    assert.equal(defaultLookaside({ env, euid: 0 }), 'file:///var/lib/containers/sigstore')
    assert.equal(defaultLookaside({ env, euid: 1000 }), `file://${home}/.local/share/containers/sigstore`)
  })
})
