import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseInvocation } from '../../../src/cli/program.js'
import { imageTransportOptions, parseCreds, registryAccessFrom } from '../../../src/cli/options/image.js'

async function flagsOf(...argv: string[]) {
  const inv = await parseInvocation(argv)
  assert.equal(inv.kind, 'run')
  return inv.kind === 'run' ? inv.flags : undefined!
}

test('--retry-times / --retry-delay also set the per-request registry retries', async () => {
  for (const cmd of ['inspect', 'list-tags', 'delete', 'list-repos', 'untag']) {
    const o = imageTransportOptions(
      await flagsOf(cmd, '--retry-times', '2', '--retry-delay', '150ms', 'docker://x.example/a'),
      { prefix: '' },
    )
    assert.equal(o.registry?.retryTimes, 2, cmd)
    assert.equal(o.registry?.retryDelayMs, 150, cmd)
  }
  const none = imageTransportOptions(await flagsOf('inspect', 'docker://x.example/a'), { prefix: '' })
  assert.equal(none.registry?.retryTimes, undefined, 'the client default stays when the flag is not given')
  const copy = await flagsOf('copy', '--retry-times', '1', 'oci:/a', 'docker://x.example/a')
  assert.equal(imageTransportOptions(copy, { prefix: 'src-' }).registry?.retryTimes, 1)
  assert.equal(imageTransportOptions(copy, { prefix: 'dest-' }).registry?.retryTimes, 1)
})

test("login/logout flags parse as skopeo's (-u, -p, -v is --verbose there, -a)", async () => {
  const l = await flagsOf('login', '-u', 'me', '-p', 'pw', '-v', '--get-login', 'r.example')
  assert.equal(l.str('username'), 'me')
  assert.equal(l.str('password'), 'pw')
  assert.equal(l.bool('verbose'), true)
  assert.equal(l.bool('get-login'), true)
  const o = await flagsOf('logout', '-a')
  assert.equal(o.bool('all'), true)
})

test('--creds splits at the first colon; the username must not be empty', () => {
  assert.deepEqual(parseCreds('user:pa:ss'), { username: 'user', password: 'pa:ss' })
  assert.deepEqual(parseCreds('user'), { username: 'user', password: '' })
  assert.deepEqual(parseCreds('user:'), { username: 'user', password: '' })
  assert.throws(() => parseCreds(''), /credentials can't be empty/)
  assert.throws(() => parseCreds(':pw'), /username can't be empty/)
})

test('credential flags: stored by default, --no-creds keeps --registry-token, --username with --password', async () => {
  assert.deepEqual(registryAccessFrom(await flagsOf('inspect', 'docker://x.example/a'), { prefix: '' }), {})
  const anon = registryAccessFrom(
    await flagsOf('inspect', '--no-creds', '--registry-token', 't', 'docker://x.example/a'),
    { prefix: '' },
  )
  assert.deepEqual(anon, { anonymous: true, bearerToken: 't' })
  const up = registryAccessFrom(
    await flagsOf('inspect', '--username', 'a', '--password', 'b', 'docker://x.example/a'),
    { prefix: '' },
  )
  assert.deepEqual(up, { credentials: { username: 'a', password: 'b' } })
  const user = registryAccessFrom(await flagsOf('inspect', '--creds', 'a', 'docker://x.example/a'), { prefix: '' })
  assert.deepEqual(user, { credentials: { username: 'a', password: '' } })
})
