import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { parseChallenges, repoScope, TokenCache } from '../../src/registry/auth.js'

describe('parseChallenges', () => {
  it('parses a Bearer challenge with quoted parameters', () => {
    const [c] = parseChallenges(
      'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"',
    )
    assert.deepEqual(c, {
      scheme: 'bearer',
      params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull,push' },
    })
  })
  it('parses Basic, unquoted values, escapes and several challenges', () => {
    const cs = parseChallenges(['Basic realm="x \\"y\\""', 'Bearer realm=https://t/x, error=insufficient_scope'])
    assert.deepEqual(cs, [
      { scheme: 'basic', params: { realm: 'x "y"' } },
      { scheme: 'bearer', params: { realm: 'https://t/x', error: 'insufficient_scope' } },
    ])
    assert.deepEqual(parseChallenges(undefined), [])
  })
})

describe('TokenCache', () => {
  it('caches per scope set (order-insensitive), expires, and fetches once for concurrent callers', async () => {
    const c = new TokenCache()
    let n = 0
    const fetch = async () => ({ token: `t${++n}`, expiresAt: Date.now() + 60_000 })
    const a = [repoScope('a', 'pull'), repoScope('b', 'pull')]
    const [x, y] = await Promise.all([c.obtain(a, fetch), c.obtain([...a].reverse(), fetch)])
    assert.equal(x, 't1')
    assert.equal(y, 't1')
    assert.equal(await c.obtain([repoScope('a', 'pull')], fetch), 't2')
    c.invalidate(a)
    assert.equal(await c.obtain(a, fetch), 't3')
    const expired = new TokenCache()
    await expired.obtain(['s'], async () => ({ token: 'old', expiresAt: Date.now() - 1 }))
    assert.equal(expired.get(['s']), undefined)
  })

  it('peek still tells what the newest token granted after another request invalidated it', async () => {
    const c = new TokenCache()
    const access = [{ type: 'repository', name: 'a', actions: ['pull'] }]
    const s = [repoScope('a', 'pull,push')]
    await c.obtain(s, async () => ({ token: 't1', expiresAt: Date.now() + 60_000, access }))
    c.invalidate(s) // a concurrent request's 401 retry
    assert.equal(c.get(s), undefined)
    assert.deepEqual(c.peek(s)?.access, access)
    assert.equal(c.peek([repoScope('b', 'pull')]), undefined)
  })
})
