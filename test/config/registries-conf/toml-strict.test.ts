import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseToml, TomlError } from '../../../src/config/registries-conf/toml.js'

describe('TOML through smol-toml', () => {
  it('refuses dates and times, naming the key and its line', () => {
    assert.throws(() => parseToml('a = 1\n[t]\nwhen = 1979-05-27T07:32:00Z'), {
      name: 'TomlError',
      message: 'line 3: "t.when": dates and times are not supported here',
    })
    assert.throws(() => parseToml('list = ["x", 07:32:00]'), /"list\[1\]": dates and times are not supported/)
  })

  it('returns plain objects; a "__proto__" key stays a key', () => {
    const doc = parseToml('[__proto__]\npolluted = true\n')
    assert.equal(Object.getPrototypeOf(doc), Object.prototype)
    assert.deepEqual(Object.keys(doc), ['__proto__'])
    assert.equal(({} as Record<string, unknown>).polluted, undefined)
  })

  it('is strict where TOML is (leading zeros, lossy integers), with one-line messages and the cause', () => {
    for (const [text, re] of [
      ['a = 0777', /^line 1: illegal leading zero$/],
      ['a = 99999999999999999999', /^line 1: .*losslessly/],
      ['x = 1\n\ny = [1 2]', /^line 3: expected "," or "\]"/],
    ] as const) {
      assert.throws(
        () => parseToml(text),
        (e: unknown) =>
          e instanceof TomlError && re.test(e.message) && !e.message.includes('\n') && e.cause instanceof Error,
      )
    }
  })
})
