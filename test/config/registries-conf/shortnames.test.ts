import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { describe, it } from 'node:test'
import {
  buildRegistriesConf,
  isShortName,
  parseRegistriesConfText,
  resolveShortName,
} from '../../../src/config/registries-conf/index.js'

const conf = (main: string, ...dropIns: string[]) =>
  buildRegistriesConf([
    parseRegistriesConfText(main, '/etc/containers/registries.conf'),
    ...dropIns.map((d, i) => parseRegistriesConfText(d, `/d/${i}.conf`, { forceV2: true })),
  ])

const names = (r: { candidates: { toString(): string }[] }) => r.candidates.map((c) => c.toString())

describe('short names', () => {
  it('tells short names from qualified ones', () => {
    assert.equal(isShortName('busybox'), true)
    assert.equal(isShortName('library/busybox:1'), true)
    assert.equal(isShortName('quay.io/x'), false)
    assert.equal(isShortName('localhost/x'), false)
    assert.equal(isShortName('host:5000/x'), false)
  })

  it('qualified names resolve to themselves', () => {
    const r = resolveShortName(conf(''), 'quay.io/ns/app:1')
    assert.deepEqual([names(r), r.resolvedBy], [['quay.io/ns/app:1'], 'qualified'])
  })

  it('aliases win over the search list, keep tag/digest, and a drop-in can erase one', () => {
    const c = conf(
      'unqualified-search-registries = ["a.example", "b.example"]\n[aliases]\nbusybox = "docker.io/busybox"\n"ns/tool" = "quay.io/team/tool"',
      '[aliases]\n"ns/tool" = ""',
    )
    const r = resolveShortName(c, 'busybox:1.36')
    assert.deepEqual(
      [names(r), r.resolvedBy, r.origin, r.needsChoice],
      [['docker.io/library/busybox:1.36'], 'alias', '/etc/containers/registries.conf', false],
    )
    const d = 'sha256:' + 'b'.repeat(64)
    assert.deepEqual(names(resolveShortName(c, `busybox@${d}`)), [`docker.io/library/busybox@${d}`])
    // erased by the drop-in: back to the search registries (permissive, no terminal: all of them)
    assert.deepEqual(names(resolveShortName(c, 'ns/tool')), ['a.example/ns/tool', 'b.example/ns/tool'])
  })

  it('short-name-mode decides what happens with several search registries', () => {
    const list = 'unqualified-search-registries = ["a.example", "docker.io"]\n'
    assert.deepEqual(names(resolveShortName(conf(list + 'short-name-mode = "disabled"'), 'app')), [
      'a.example/app',
      'docker.io/library/app',
    ])
    assert.equal(
      resolveShortName(conf(list + 'short-name-mode = "disabled"'), 'app', { interactive: true }).needsChoice,
      false,
    )
    assert.equal(resolveShortName(conf(list), 'app', { interactive: true }).needsChoice, true)
    assert.equal(resolveShortName(conf(list), 'app').needsChoice, false)
    assert.throws(
      () => resolveShortName(conf(list + 'short-name-mode = "enforcing"'), 'app'),
      /cannot prompt without a TTY/,
    )
    assert.equal(
      resolveShortName(conf(list + 'short-name-mode = "enforcing"'), 'app', { interactive: true }).needsChoice,
      true,
    )
    // a single registry is never ambiguous
    assert.deepEqual(
      names(
        resolveShortName(
          conf('unqualified-search-registries = ["only.example"]\nshort-name-mode = "enforcing"'),
          'app:2',
        ),
      ),
      ['only.example/app:2'],
    )
  })

  it('no alias and no search registries is an error that says what to do', () => {
    assert.throws(
      () => resolveShortName(conf(''), 'app'),
      /did not resolve to an alias and no unqualified-search registries are defined.*docker.io\/library\/app/,
    )
  })

  it('accepts the aliases shipped in /etc/containers/registries.conf.d/shortnames.conf', async (t) => {
    const path = '/etc/containers/registries.conf.d/shortnames.conf'
    const text = await readFile(path, 'utf8').catch(() => undefined)
    if (text === undefined) return t.skip(`${path} is not installed`)
    const f = parseRegistriesConfText(text, path, { forceV2: true })
    assert.ok(f.aliases.size > 10)
    const [name, alias] = [...f.aliases.entries()][0]!
    const r = resolveShortName(buildRegistriesConf([f]), name)
    assert.deepEqual([names(r), r.resolvedBy, r.origin], [[alias.value], 'alias', path])
  })
})
