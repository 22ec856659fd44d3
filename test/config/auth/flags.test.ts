import assert from 'node:assert/strict'
import { PassThrough, Readable } from 'node:stream'
import { describe, it } from 'node:test'
import { completeMissingPassword, credentialsFromFlags, parseCredsFlag, readPasswordFromTerminal, readPasswordStdin } from '../../../src/config/auth/index.js'

describe('credential flags', () => {
  it('splits --creds at the first colon', () => {
    assert.deepEqual(parseCredsFlag('user:pa:ss'), { username: 'user', password: 'pa:ss', passwordMissing: false })
    assert.deepEqual(parseCredsFlag('user'), { username: 'user', password: '', passwordMissing: true })
    assert.deepEqual(parseCredsFlag('user:'), { username: 'user', password: '', passwordMissing: false })
    assert.throws(() => parseCredsFlag(''), /credentials can't be empty/)
    assert.throws(() => parseCredsFlag(':pw'), /username can't be empty/)
  })

  it("applies skopeo's mutual-exclusion rules with skopeo's messages", () => {
    assert.throws(() => credentialsFromFlags({ creds: 'a:b', noCreds: true }), { message: 'creds and no-creds cannot be specified at the same time' })
    assert.throws(() => credentialsFromFlags({ username: 'a', password: 'b', noCreds: true }), /username and no-creds cannot/)
    assert.throws(() => credentialsFromFlags({ creds: 'a:b', username: 'a', password: 'b' }), /creds and username cannot/)
    assert.throws(() => credentialsFromFlags({ username: 'a' }), /password must be specified when username is specified/)
    assert.throws(() => credentialsFromFlags({ password: 'b' }), /username must be specified when password is specified/)
    assert.deepEqual(credentialsFromFlags({}), { mode: 'stored' })
    assert.deepEqual(credentialsFromFlags({ noCreds: true, registryToken: 't' }), { mode: 'anonymous', registryToken: 't' })
    assert.deepEqual(credentialsFromFlags({ username: 'a', password: 'b' }), { mode: 'explicit', username: 'a', password: 'b' })
    assert.deepEqual(credentialsFromFlags({ creds: 'a' }), { mode: 'explicit', username: 'a', password: '', passwordMissing: true })
  })

  it('a missing password: empty without a terminal (as skopeo), or an error when a terminal is required', async () => {
    const c = credentialsFromFlags({ creds: 'a' })
    const notTTY = Object.assign(Readable.from([]), { isTTY: false })
    assert.deepEqual(await completeMissingPassword(c, { input: notTTY }), { mode: 'explicit', username: 'a', password: '' })
    await assert.rejects(completeMissingPassword(c, { input: notTTY, requireTerminal: true }), /not a terminal/)
  })

  it('reads a password from a terminal without echo, with backspace', async () => {
    const input = Object.assign(new PassThrough(), { isTTY: true, modes: [] as boolean[], setRawMode(this: { modes: boolean[] }, raw: boolean) { this.modes.push(raw) } })
    const output = new PassThrough()
    const p = completeMissingPassword(credentialsFromFlags({ creds: 'bob' }), { input, output })
    input.write('sx\u007fecret\r')
    assert.deepEqual(await p, { mode: 'explicit', username: 'bob', password: 'secret' })
    assert.deepEqual(input.modes, [true, false])
    assert.equal(output.read().toString(), 'Password for bob: \n')
    await assert.rejects(readPasswordFromTerminal('P: ', { input: Object.assign(new PassThrough(), { isTTY: false }), output }), /not a terminal/)
  })

  it('--password-stdin joins the lines', async () => {
    assert.equal(await readPasswordStdin(Readable.from([Buffer.from('pass\nword\n')])), 'password')
  })
})
