import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  authKeysForKey,
  normalizeAuthFileKey,
  parseCredentialsKey,
  validateKey,
} from '../../../src/config/auth/index.js'

describe('auth keys', () => {
  it('lists parent keys from most to least specific', () => {
    assert.deepEqual(authKeysForKey('quay.io/repo/ns/image'), [
      'quay.io/repo/ns/image',
      'quay.io/repo/ns',
      'quay.io/repo',
      'quay.io',
    ])
    assert.deepEqual(authKeysForKey('localhost:5000'), ['localhost:5000'])
  })

  it('normalizes URL keys, legacy keys and docker.io spellings', () => {
    assert.equal(normalizeAuthFileKey('https://index.docker.io/v1/', false), 'index.docker.io')
    assert.equal(normalizeAuthFileKey('docker.io', false), 'index.docker.io')
    assert.equal(normalizeAuthFileKey('registry-1.docker.io', false), 'index.docker.io')
    assert.equal(normalizeAuthFileKey('http://r.example:5000/v2/', false), 'r.example:5000')
    assert.equal(normalizeAuthFileKey('r.example/ns', false), 'r.example/ns')
    assert.equal(normalizeAuthFileKey('r.example/ns', true), 'r.example')
  })

  it('validates keys', () => {
    assert.deepEqual(validateKey('localhost:5000'), { namespaced: false })
    assert.deepEqual(validateKey('localhost:5000/foo'), { namespaced: true })
    assert.throws(() => validateKey('r.example/foo:tag'), /':' character/)
  })

  it('turns login arguments into keys as containers/common does', () => {
    assert.deepEqual(parseCredentialsKey('https://r.example:5000/v2/'), {
      key: 'r.example:5000',
      registry: 'r.example:5000',
    })
    assert.deepEqual(parseCredentialsKey('r.example/ns/app'), { key: 'r.example/ns/app', registry: 'r.example' })
    assert.deepEqual(parseCredentialsKey('r.example/ns/app', false), { key: 'r.example', registry: 'r.example' })
    assert.throws(() => parseCredentialsKey('r.example/ns/app:1'), /contains tag or digest/)
    assert.throws(() => parseCredentialsKey('r.example/NS'), /invalid repository name/)
  })
})
