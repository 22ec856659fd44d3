import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseInvocation } from '../../src/cli/program.js'
import { UsageError } from '../../src/cli/usage-error.js'

async function parse(...argv: string[]) {
  const inv = await parseInvocation(argv)
  assert.equal(inv.kind, 'run')
  if (inv.kind !== 'run') throw new Error('unreachable')
  return inv
}

test('flags may come before or after positional arguments; globals after the command too', async () => {
  const inv = await parse('copy', 'oci:/a:x', '--src-tls-verify=false', 'dir:/b', '--debug', '-q')
  assert.equal(inv.command.name, 'copy')
  assert.deepEqual(inv.args, ['oci:/a:x', 'dir:/b'])
  assert.equal(inv.flags.bool('src-tls-verify'), false)
  assert.equal(inv.flags.bool('dest-tls-verify'), undefined, 'unset stays distinguishable from false')
  assert.equal(inv.flags.bool('quiet'), true)
  assert.equal(inv.global.debug, true)
})

test('global flags become GlobalOptions (Go durations, overrides, registries.d)', async () => {
  const inv = await parse(
    '--command-timeout',
    '1m30s',
    '--override-arch=arm64',
    '--override-variant',
    'v8',
    '--registries.d',
    '/etc/r.d',
    '--tmpdir=/var/tmp',
    '--policy',
    '/p.json',
    'inspect',
    'oci:/x',
  )
  assert.equal(inv.global.commandTimeoutMs, 90_000)
  assert.deepEqual(inv.global.platform, { architecture: 'arm64', variant: 'v8' })
  assert.equal(inv.global.registriesDir, '/etc/r.d')
  assert.equal(inv.global.tmpdir, '/var/tmp')
  assert.equal(inv.global.policyPath, '/p.json')
  assert.equal(inv.global.insecurePolicy, false)
})

test('--no-creds is a flag of its own, next to --creds', async () => {
  const inv = await parse('inspect', '--no-creds', '--creds=u:p', 'oci:/x')
  assert.equal(inv.flags.bool('no-creds'), true)
  assert.equal(inv.flags.str('creds'), 'u:p')
  const inv2 = await parse('inspect', '-n', 'oci:/x')
  assert.equal(inv2.flags.bool('no-tags'), true)
})

test('string slices repeat and take comma lists', async () => {
  const inv = await parse('copy', '--additional-tag', 'a:1', '--additional-tag=b:2,c:3', 'x', 'y')
  assert.deepEqual(inv.flags.strings('additional-tag'), ['a:1', 'b:2', 'c:3'])
})

test('usage errors name the command', async () => {
  await assert.rejects(
    parseInvocation(['copy', '--bogus', 'a', 'b']),
    (e: unknown) => e instanceof UsageError && e.message === 'unknown flag: --bogus' && e.command === 'copy',
  )
  await assert.rejects(
    parseInvocation(['copy', '--format']),
    (e: unknown) => e instanceof UsageError && /flag needs an argument: --format/.test(e.message),
  )
  await assert.rejects(parseInvocation(['--command-timeout', '5', 'copy']), /missing unit in duration "5"/)
  await assert.rejects(
    parseInvocation(['frobnicate']),
    (e: unknown) => e instanceof UsageError && /Unrecognized command `skiff frobnicate`/.test(e.message),
  )
})

test('the former planned commands are parsed as real ones: unknown flags are refused', async () => {
  for (const cmd of ['standalone-verify', 'generate-sigstore-key']) {
    await assert.rejects(
      parse(cmd, '--some-flag', 'x'),
      (e: unknown) => e instanceof UsageError && /unknown flag: --some-flag/.test(e.message),
    )
  }
})
