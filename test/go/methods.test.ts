/**
 * Go template methods in `inspect --format` (time.Time and digest.Digest), and `{{json .}}`,
 * against skopeo 1.9.3 side by side on the same images.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { smallImage, writeOciImage } from '../helpers/fixtures.js'
import { skopeo, withTempDir, type RunResult } from '../helpers/tools.js'
import { skiff } from '../cli/run-skiff.js'

const skiffRun = async (args: string[]): Promise<RunResult> => {
  const r = await skiff(args)
  return { code: r.code ?? 1, stdout: r.stdout, stderr: r.stderr }
}

const CREATED = [
  '2024-03-05T07:08:09.123456789+05:30',
  '2023-12-31T23:59:59Z',
  '2021-07-04T16:00:00.5-07:00',
  '0001-01-01T00:00:00Z',
  '2020-02-29T00:30:00.000100Z',
]

// Go's reference layout, token by token, and the usual combinations
const LAYOUTS = [
  '2006-01-02',
  'Mon Jan _2 15:04:05 MST 2006',
  'Monday, 02-Jan-06 15:04:05 MST',
  'January 2, 2006 3:04:05 PM',
  '03:04:05pm 4 5 1 01 002 __2',
  '2006-01-02T15:04:05Z07:00',
  '2006-01-02T15:04:05.999999999Z07:00',
  '15:04:05.000 15:04:05.000000 15:04:05,999 .9 .00',
  '-0700 -07:00 -07 -070000 -07:00:00 Z0700 Z07 Z070000 Z07:00:00',
  '_2006 2006_ _2 06 literal text: yes',
  '.0a .9b 05.000',
]

const METHODS = [
  '{{.Created.Unix}} {{.Created.UnixNano}} {{.Created.UnixMilli}}',
  '{{.Created.Year}} {{.Created.Month}} {{.Created.Day}} {{.Created.Hour}} {{.Created.Minute}} {{.Created.Second}} {{.Created.Nanosecond}}',
  '{{.Created.YearDay}} {{.Created.Weekday}} {{.Created.IsZero}}',
  '{{.Created.UTC}} | {{.Created.UTC.Hour}} | {{.Created.UTC.Format "2006-01-02 15:04 MST"}}',
  '{{.Created}} {{.Created.String}}',
  '{{"2006" | .Created.Format}}',
  '{{.Digest.Encoded}} {{.Digest.Algorithm}} {{.Digest.Hex}} {{.Digest}}',
  '{{if eq .Created.Year 2024}}new{{else}}old{{end}}',
  '{{printf "%d-%s" .Created.Year .Digest.Algorithm}}',
]
// errors, in Go's words
const FAILING = ['{{.Created.Format}}', '{{.Architecture.Encoded}}', '{{.Created.Nope}}']

/** Between the formats of one batched template: text that none of them prints. */
const SEP = '\n--8<-- skiff-test --8<--\n'

/**
 * `inspect --format` for several formats in one process: joined into one template (a Go template's
 * actions print independently, so the output is the formats' outputs joined by SEP). A batch that
 * fails is split in halves until each failing format runs alone, so its exit code and message are
 * its own. Returns, per format, what running it alone prints.
 */
async function inspectEach(
  tool: (args: string[]) => Promise<RunResult>,
  ref: string,
  formats: string[],
): Promise<RunResult[]> {
  const r = await tool(['inspect', '--format', formats.join(SEP), ref])
  if (r.code === 0) {
    assert.match(r.stdout, /[^\n]\n$|^\n$/, 'one newline after the output')
    const parts = r.stdout.replace(/\n$/, '').split(SEP)
    assert.equal(parts.length, formats.length, `the separator appears in an output: ${r.stdout}`)
    return parts.map((p) => ({ code: 0, stdout: `${p}\n`, stderr: r.stderr }))
  }
  if (formats.length === 1) return [r]
  const half = Math.ceil(formats.length / 2)
  return [
    ...(await inspectEach(tool, ref, formats.slice(0, half))),
    ...(await inspectEach(tool, ref, formats.slice(half))),
  ]
}

test('time.Time and digest.Digest methods print what skopeo prints', async () => {
  await withTempDir(async (t) => {
    const printing = [...LAYOUTS.map((l) => `{{.Created.Format ${JSON.stringify(l)}}}`), ...METHODS]
    const formats = [...printing, ...FAILING]
    // per image and tool: one process for the formats that print, one per format that fails
    const each = async (tool: (args: string[]) => Promise<RunResult>, ref: string): Promise<RunResult[]> => [
      ...(await inspectEach(tool, ref, printing)),
      ...(await Promise.all(FAILING.map((f) => inspectEach(tool, ref, [f])))).flat(),
    ]
    await Promise.all(
      CREATED.map(async (created, n) => {
        const ref = `oci:${t}/l${n}:v`
        await writeOciImage(join(t, `l${n}`), 'v', smallImage(`m${n}`, { created }))
        const [theirs, ours] = await Promise.all([each(skopeo, ref), each(skiffRun, ref)])
        for (const [i, f] of formats.entries()) {
          assert.equal(ours[i]!.code, theirs[i]!.code, `${created} ${f}: ${ours[i]!.stderr}`)
          if (theirs[i]!.code === 0) {
            assert.equal(ours[i]!.stdout, theirs[i]!.stdout, `${created} ${f}`)
          } else {
            const msg = /msg="((?:[^"\\]|\\.)*)"/.exec(theirs[i]!.stderr)![1]!
            assert.equal(ours[i]!.stderr, `skiff: ${JSON.parse(`"${msg}"`)}\n`, `${created} ${f}`)
          }
        }
      }),
    )
  })
})

test('{{json .}} (and json) prints the indented output, as skopeo', async () => {
  await withTempDir(async (t) => {
    await writeOciImage(join(t, 'l'), 'v', smallImage('j'))
    const plain = await skiff(['inspect', `oci:${t}/l:v`])
    const theirsPlain = await skopeo(['inspect', `oci:${t}/l:v`])
    for (const f of ['{{json .}}', '{{ json . }}', 'json']) {
      const ours = await skiff(['inspect', '--format', f, `oci:${t}/l:v`])
      const theirs = await skopeo(['inspect', '--format', f, `oci:${t}/l:v`])
      assert.equal(theirs.stdout, theirsPlain.stdout, 'skopeo: the same as without --format')
      assert.equal(ours.stdout, plain.stdout, f)
      assert.match(ours.stdout, /^\{\n {4}"Digest": "sha256:/)
      // the same document as skopeo's (skiff adds LayersData, as newer skopeo)
      const a = JSON.parse(ours.stdout)
      const b = JSON.parse(theirs.stdout)
      for (const k of Object.keys(b)) assert.deepEqual(a[k], b[k], k)
    }
  })
})
