import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { describe, it } from 'node:test'
import { parseToml } from '../../../src/config/registries-conf/toml.js'

describe('TOML subset', () => {
  it('parses tables, arrays of tables with sub-arrays, strings, booleans, arrays and comments', () => {
    const doc = parseToml(`# comment
unqualified-search-registries = ["a.example", 'b.example',] # trailing comma
short-name-mode = "enforcing"

[[registry]]
prefix = "example.com/foo"
insecure = false
location = "internal\\u002dregistry.example/bar"

[[registry.mirror]]
location = "m0.local"

[[registry.mirror]]
location = 'm1.local\\path'
insecure = true

[[registry]]
location = "registry.com"
mirror = [ { location = "inline.mirror" },
  { location = "second", insecure = true },
]

[aliases]
"busybox" = "docker.io/library/busybox"
fedora = """registry.fedoraproject.org/fedora"""
`)
    assert.deepEqual(doc, {
      'unqualified-search-registries': ['a.example', 'b.example'],
      'short-name-mode': 'enforcing',
      registry: [
        {
          prefix: 'example.com/foo',
          insecure: false,
          location: 'internal-registry.example/bar',
          mirror: [{ location: 'm0.local' }, { location: 'm1.local\\path', insecure: true }],
        },
        { location: 'registry.com', mirror: [{ location: 'inline.mirror' }, { location: 'second', insecure: true }] },
      ],
      aliases: { busybox: 'docker.io/library/busybox', fedora: 'registry.fedoraproject.org/fedora' },
    })
  })

  it('parses dotted keys, numbers, multi-line strings and nested arrays', () => {
    assert.deepEqual(
      parseToml(
        'a.b.c = 1\na.d = -2.5e1\nx = [[1, 2], ["s"]]\nm = """\nline1\\\n   line2"""\nl = \'\'\'\nraw\\n\'\'\'\nhex = 0x1F\n',
      ),
      {
        a: { b: { c: 1 }, d: -25 },
        x: [[1, 2], ['s']],
        m: 'line1line2',
        l: 'raw\\n',
        hex: 31,
      },
    )
    assert.deepEqual(parseToml('s = """a""""'), { s: 'a"' })
  })

  it('reports errors with their line', () => {
    assert.throws(() => parseToml('a = 1\na = 2'), /line 2: key "a" is defined more than once/)
    assert.throws(() => parseToml('[t]\n[t]'), /line 2: table \[t\] is defined more than once/)
    assert.throws(() => parseToml('a = "x'), /line 1: unterminated string/)
    assert.throws(() => parseToml('a = [1, 2'), /expected "," or "\]"/)
    assert.throws(() => parseToml('x = 1 y = 2'), /expected the end of the line/)
    assert.throws(() => parseToml('a = "\\q"'), /invalid escape/)
    assert.throws(() => parseToml('a = 1\n[a]'), /line 2/)
    assert.throws(() => parseToml('v = [1]\n[[v]]'), /conflicts/)
    assert.throws(() => parseToml('= 1'), /expected a key/)
  })

  it('parses the installed /etc/containers files', async () => {
    for (const f of ['/etc/containers/registries.conf', '/etc/containers/registries.conf.d/shortnames.conf']) {
      const text = await readFile(f, 'utf8').catch(() => undefined)
      if (text === undefined) continue
      const doc = parseToml(text)
      assert.equal(typeof doc, 'object')
      if (f.endsWith('shortnames.conf')) assert.ok(Object.keys(doc.aliases as object).length > 10)
    }
  })
})
