import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { nextLink } from '../../src/registry/paginate.js'

describe('nextLink', () => {
  it('finds rel="next" among Link values', () => {
    assert.equal(nextLink('</v2/_catalog?last=b&n=10>; rel="next"'), '/v2/_catalog?last=b&n=10')
    assert.equal(nextLink('<https://x/a?p=1>; rel="prev", <https://x/a?p=3>; rel=next'), 'https://x/a?p=3')
    assert.equal(nextLink('<https://x/a?p=1>; rel="prev"'), undefined)
    assert.equal(nextLink(undefined), undefined)
  })
})
