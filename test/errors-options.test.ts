/** Messages that mention options: option terms in the library, flags in the CLI (src/cli/flag-terms.ts). */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MessageWithOptions, OptionMention, SkiffError, opt, withImage, withOptions } from '../src/errors.js'
import { flagOf, flagTerms } from '../src/cli/flag-terms.js'

test('withOptions renders mentions in option terms and SkiffError keeps them', () => {
  const m = withOptions`x: use ${opt('removeSignatures', { value: true })} or ${opt('registry.daemonHost', { side: 'destination' })}; ${3}`
  assert.equal(m.text, 'x: use `removeSignatures: true` or `destination.registry.daemonHost`; 3')
  const e = new SkiffError('ERR_UNSUPPORTED', m)
  assert.equal(e.message, m.text)
  assert.deepEqual(
    e.options?.map((o) => [o.option, o.side, o.value]),
    [
      ['removeSignatures', undefined, true],
      ['registry.daemonHost', 'destination', undefined],
    ],
  )
  assert.equal(new SkiffError('ERR_IO', 'plain').options, undefined)
  // nested messages contribute their mentions; withImage keeps them
  const outer = withOptions`a ${withOptions`b ${opt('format', { value: 'oci' })}`} c`
  assert.equal(outer.text, 'a b `format: "oci"` c')
  assert.equal(outer.options.length, 1)
  const named = withImage(new SkiffError('ERR_UNSUPPORTED', outer), 'oci:/x') as SkiffError
  assert.equal(named.message, 'oci:/x: a b `format: "oci"` c')
  assert.equal(named.options?.[0]?.option, 'format')
  assert.ok(new MessageWithOptions('t', []) + '' === 't')
})

test('OptionMention.parse is the inverse of toString, and refuses what is not a mention', () => {
  for (const m of [
    opt('tmpdir'),
    opt('registry.tlsVerify', { side: 'source', value: false }),
    opt('multiArch', { value: 'index-only' }),
    opt('imageParallelCopies', { value: 6 }),
  ]) {
    const back = OptionMention.parse(String(m).slice(1, -1))
    assert.deepEqual({ ...back }, { ...m })
  }
  for (const s of ['/tmp/a b', 'Registry.x', 'format: oci', 'format: {"a":1}', 'source.', 'x..y'])
    assert.equal(OptionMention.parse(s), undefined, s)
})

test("the CLI shows each mention as skopeo's flag, byte for byte", () => {
  const cases: Array<[OptionMention, string]> = [
    [opt('registry.daemonHost', { side: 'source' }), '--src-daemon-host'],
    [opt('registry.daemonHost', { side: 'destination' }), '--dest-daemon-host'],
    [opt('registry.certDir'), '--cert-dir'],
    [opt('registry.tlsVerify', { value: false }), '--tls-verify=false'],
    [opt('registry.credentials'), '--creds'],
    [opt('registry.bearerToken'), '--registry-token'],
    [opt('registry.authFile'), '--authfile'],
    [opt('registry.retryTimes'), '--retry-times'],
    [opt('registry.registriesConfPath'), '--registries-conf'],
    [opt('tmpdir'), '--tmpdir'],
    [opt('policyPath'), '--policy'],
    [opt('insecure', { value: true }), '--insecure-policy'],
    [opt('format', { value: 'v2s2' }), '--format v2s2'],
    [opt('removeSignatures', { value: true }), '--remove-signatures'],
    [opt('preserveDigests'), '--preserve-digests'],
    [opt('stripRemovedPlatforms', { value: true }), '--strip-removed-platforms'],
    [opt('imageParallelCopies'), '--image-parallel-copies'],
    [opt('multiArch', { value: 'all' }), '--all'],
    [opt('multiArch', { value: 'system' }), '--multi-arch system'],
    [opt('platform'), '--override-os/--override-arch/--override-variant'],
    [opt('imagesFrom'), '--images-from'],
    [opt('scoped', { value: true }), '--scoped'],
  ]
  for (const [m, flag] of cases) assert.equal(flagOf(m), flag, String(m))
  assert.equal(flagOf(opt('noSuchOption')), undefined)
  const e = new SkiffError(
    'ERR_UNSUPPORTED',
    withOptions`dir:/s has signatures, but oci:/o cannot store them; use ${opt('removeSignatures', { value: true })} to copy without them`,
  )
  assert.equal(
    flagTerms(e.message),
    'dir:/s has signatures, but oci:/o cannot store them; use --remove-signatures to copy without them',
  )
  // text that only looks like a mention stays as it is
  assert.equal(flagTerms('a `noSuchOption` and `/tmp/x` and `format`'), 'a `noSuchOption` and `/tmp/x` and --format')
  assert.equal(flagTerms('no mentions'), 'no mentions')
})
