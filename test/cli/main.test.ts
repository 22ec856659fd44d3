import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { SKOPEO_COMPATIBLE_VERSION, VERSION } from '../../src/version.js'
import { ROOT, skiff } from './run-skiff.js'

test('--version and -v print "skiff version X (skopeo version Y compatible)"', async () => {
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string }
  assert.equal(VERSION, pkg.version)
  for (const flag of ['--version', '-v']) {
    const r = await skiff([flag])
    assert.equal(r.code, 0)
    assert.equal(r.stdout, `skiff version ${VERSION} (skopeo version ${SKOPEO_COMPATIBLE_VERSION} compatible)\n`)
    // what scripts written for skopeo parse
    assert.equal(/skopeo version (\d+\.\d+\.\d+)/.exec(r.stdout)?.[1], SKOPEO_COMPATIBLE_VERSION)
  }
})

test('--help lists the commands (none planned any more) and the global flags', async () => {
  const r = await skiff(['--help'])
  assert.equal(r.code, 0)
  for (const c of [
    'copy',
    'inspect',
    'manifest-digest',
    'list-tags',
    'list-repos',
    'sync',
    'delete',
    'login',
    'logout',
    'untag',
    'standalone-sign',
    'standalone-verify',
  ]) {
    assert.match(r.stdout, new RegExp(`^  ${c} `, 'm'))
  }
  // every skopeo command is implemented now (standalone-* by the signing work, generate-sigstore-key by sigstore)
  assert.doesNotMatch(r.stdout, /not available in this version of skiff yet/)
  for (const f of [
    '--command-timeout duration',
    '--insecure-policy',
    '--registries.d DIR',
    '--override-variant VARIANT',
    '-v, --version',
  ])
    assert.ok(r.stdout.includes(f), f)
  const c = await skiff(['copy', '--help'])
  assert.equal(c.code, 0)
  assert.match(c.stdout, /skiff copy \[command options\] SOURCE-IMAGE DESTINATION-IMAGE/)
  assert.match(c.stdout, /--src-tls-verify  /)
  assert.match(c.stdout, /--dest-creds USERNAME\[:PASSWORD\]/)
  assert.ok(!c.stdout.includes('--screds'), 'hidden aliases are not listed')
  const h = await skiff(['help', 'inspect'])
  assert.match(h.stdout, /skiff inspect \[command options\] IMAGE-NAME/)
})

test('a missing image exits 2 with one line on stderr', async () => {
  const r = await skiff(['inspect', 'oci:/nonexistent:x'])
  assert.equal(r.code, 2)
  assert.equal(r.stdout, '')
  assert.match(r.stderr, /^skiff: .*oci:\/nonexistent:x.*\n$/)
  assert.equal(r.stderr.split('\n').length, 2)
})

test('usage errors exit 1 with a hint', async () => {
  const u = await skiff(['copy', '--bogus', 'a', 'b'])
  assert.equal(u.code, 1)
  assert.equal(u.stderr, "skiff: unknown flag: --bogus\nSee 'skiff copy --help'.\n")
  const t = await skiff(['--command-timeout', '5', 'inspect', 'oci:/x'])
  assert.equal(t.code, 1)
  assert.match(t.stderr, /invalid argument "5" for "--command-timeout" flag: time: missing unit in duration "5"/)
  const b = await skiff(['copy', '--src-tls-verify=maybe', 'a', 'b'])
  assert.equal(b.code, 1)
  assert.match(b.stderr, /strconv.ParseBool: parsing "maybe": invalid syntax/)
  // the former planned commands are real now: their own usage errors, with the --help hint
  const p = await skiff(['standalone-sign', 'x'])
  assert.equal(p.code, 1)
  assert.match(p.stderr, /^skiff: Usage: skopeo standalone-sign .*\nSee 'skiff standalone-sign --help'\.\n$/)
  const v = await skiff(['standalone-verify', 'x'])
  assert.equal(v.code, 1)
  assert.match(
    v.stderr,
    /^skiff: Usage: skopeo standalone-verify manifest docker-reference key-fingerprint signature\n/,
  )
  const x = await skiff(['frobnicate'])
  assert.equal(x.code, 1)
  assert.match(x.stderr, /Unrecognized command `skiff frobnicate`/)
})

test('--debug adds the stack and causes', async () => {
  const r = await skiff(['--debug', 'inspect', 'oci:/nonexistent:x'])
  assert.equal(r.code, 2)
  assert.match(r.stderr, /^skiff: /)
  assert.match(r.stderr, /code: ERR_IMAGE_NOT_FOUND/)
  assert.match(r.stderr, /\n\s+at /)
})

test("every flag of skopeo's copy, inspect, list-tags, delete, login, logout and root is accepted and listed", async () => {
  const { skopeo } = await import('../helpers/tools.js')
  const flagsOf = (help: string) => new Set([...help.matchAll(/^\s+(?:-\w, )?(--[\w.-]+)/gm)].map((m) => m[1]!))
  for (const cmd of [
    [],
    ['copy'],
    ['inspect'],
    ['list-tags'],
    ['manifest-digest'],
    ['delete'],
    ['login'],
    ['logout'],
  ]) {
    const theirs = flagsOf((await skopeo([...cmd, '--help'])).stdout)
    const ours = flagsOf((await skiff([...cmd, '--help'])).stdout)
    assert.ok(theirs.size > 0)
    for (const f of theirs) assert.ok(ours.has(f), `skiff ${cmd.join(' ')} lacks ${f}`)
  }
})
