/**
 * Tag filters, by behaviour (which tags pass), not by implementation: the same assertions hold
 * for any engine with Go's RE2 semantics on this common syntax. `await` works whether compiling
 * is synchronous or not.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { compileTagRegex, tagAllowed, tagOfName } from '../../src/sync/filters.js'

const TAGS = ['v1', 'v1.2', 'v1.2.3', 'V1', 'latest', '1.0', '1.0-alpine', 'alpine', 'x-v1-y', 'v10']

async function matching(pattern: string): Promise<string[]> {
  const re = await compileTagRegex(pattern, '--include-tags')
  return TAGS.filter((t) => re.test(t))
}

test('patterns are unanchored, as Go MatchString; ^ and $ anchor', async () => {
  assert.deepEqual(await matching('v1'), ['v1', 'v1.2', 'v1.2.3', 'x-v1-y', 'v10'])
  assert.deepEqual(await matching('^v1$'), ['v1'])
  assert.deepEqual(await matching('^v1'), ['v1', 'v1.2', 'v1.2.3', 'v10'])
  assert.deepEqual(await matching('alpine$'), ['1.0-alpine', 'alpine'])
  assert.deepEqual(await matching('^v[0-9]+\\.[0-9]+$'), ['v1.2'])
  assert.deepEqual(await matching('^(latest|alpine)$'), ['latest', 'alpine'])
  assert.deepEqual(await matching('.'), TAGS)
  assert.deepEqual(await matching('^$'), [])
})

test('case matters unless (?i) says otherwise', async () => {
  assert.deepEqual(await matching('^v1$'), ['v1'])
  assert.deepEqual(await matching('(?i)^v1$'), ['v1', 'V1'])
  assert.deepEqual(await matching('^V'), ['V1'])
  // several flags in one group
  assert.deepEqual(await matching('(?is)^v1$'), ['v1', 'V1'])
  assert.deepEqual(await matching('(?si)^V1$'), ['v1', 'V1'])
})

test('an invalid pattern is a clear error naming where it came from and the pattern', async () => {
  for (const bad of ['(unclosed', '[z-a]', '*x']) {
    await assert.rejects(
      (async () => compileTagRegex(bad, 'sync.yml: reg.example: images-by-tag-regex: app'))(),
      (e: any) => {
        assert.equal(e.code, 'ERR_INVALID_ARGUMENT')
        assert.ok(e.message.includes('sync.yml: reg.example: images-by-tag-regex: app'), e.message)
        assert.ok(e.message.includes(`"${bad}"`), e.message)
        assert.match(e.message, /invalid regular expression/)
        assert.ok(!e.message.includes('\n'))
        return true
      },
      bad,
    )
  }
})

test('include and exclude: a tag must match include (if any) and not match exclude (if any)', async () => {
  const include = await compileTagRegex('^v', '--include-tags')
  const exclude = await compileTagRegex('\\.3$', '--exclude-tags')
  const pass = (f: Parameters<typeof tagAllowed>[1]) => TAGS.filter((t) => tagAllowed(t, f))
  assert.deepEqual(pass({}), TAGS)
  assert.deepEqual(pass({ include }), ['v1', 'v1.2', 'v1.2.3', 'v10'])
  assert.deepEqual(
    pass({ exclude }),
    TAGS.filter((t) => t !== 'v1.2.3'),
  )
  assert.deepEqual(pass({ include, exclude }), ['v1', 'v1.2', 'v10'])
  // an image named by digest only has no tag: filters never drop it
  assert.equal(tagAllowed(undefined, { include, exclude }), true)
  assert.equal(tagAllowed(undefined, { include: await compileTagRegex('^nothing$', 'x') }), true)
})

test('tagOfName: the tag of the last path element of a dir/oci name', () => {
  assert.equal(tagOfName('app:v1'), 'v1')
  assert.equal(tagOfName('ns/app:v1.2'), 'v1.2')
  assert.equal(tagOfName('host:5000/ns/app:v1'), 'v1')
  assert.equal(tagOfName('host:5000/ns/app'), undefined)
  assert.equal(tagOfName('app'), undefined)
  assert.equal(tagOfName('app:'), '')
  assert.equal(tagOfName(`app@sha256:${'a'.repeat(64)}`), undefined)
  assert.equal(tagOfName(`ns/app:v1@sha256:${'a'.repeat(64)}`), undefined)
  assert.equal(tagOfName('a:b/app:c:d'), 'd')
  assert.equal(tagOfName('ns/:v1'), 'v1')
})
