/**
 * Owner-tagged temp names (src/util/temp-owner.ts): a later run removes what a killed process left,
 * never what a live one is writing — including when the dead owner's PID now belongs to another process.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdir, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  isStaleTempName,
  ownerTag,
  processStartTime,
  sweepStaleTemps,
  uniqueTempTag,
} from '../../src/util/temp-owner.js'
import { withTempDir } from '../helpers/tools.js'

/** A process that has exited (its PID is free again) and its owner tag. */
async function deadOwnerTag(): Promise<string> {
  const child = spawn(process.execPath, ['-e', '0'])
  await once(child, 'exit')
  const host = ownerTag().split('-').pop()
  return `skiff${child.pid}-${processStartTime(process.pid)}-${host}`
}

test('a temp name of a process that is gone is stale; this process, a live one and foreign names are not', async () => {
  assert.equal(isStaleTempName(`.x.${uniqueTempTag()}.tmp`), false, 'our own')
  const dead = await deadOwnerTag()
  assert.equal(isStaleTempName(`.blob.${dead}.0123456789ab.tmp`), true, 'a dead owner')
  assert.equal(isStaleTempName(`skiff-blob-${dead}.0123456789ab.tmp`), true, 'a dead owner, --tmpdir style')
  // PID reuse: PID 1 is alive, but it did not start at this time.
  const host = ownerTag().split('-').pop()
  assert.equal(
    isStaleTempName(`.d.skiff1-${(processStartTime(1) ?? 0) + 12345}-${host}.0123456789ab.tmp`),
    true,
    'a live PID that started at another time',
  )
  assert.equal(isStaleTempName(`.d.skiff1-${processStartTime(1)}-${host}.0123456789ab.tmp`), false, 'the live owner')
  assert.equal(
    isStaleTempName(`.d.${dead.replace(/-[0-9a-f]{6}$/, '-000000')}.0123456789ab.tmp`),
    false,
    'another host: never judged here',
  )
  assert.equal(isStaleTempName('.d.123.0123456789ab.tmp'), false, 'not a skiff owner tag')
  assert.equal(isStaleTempName('data'), false)
})

test('sweepStaleTemps removes stale files and folders, keeps everything else', async () => {
  await withTempDir(async (d) => {
    const dead = await deadOwnerTag()
    await writeFile(join(d, `.image.${dead}.aaaaaaaaaaaa.tmp`), 'x')
    await mkdir(join(d, `.image.${dead}.bbbbbbbbbbbb.old`))
    await writeFile(join(d, `.image.${dead}.bbbbbbbbbbbb.old`, 'blob'), 'x')
    await writeFile(join(d, `.other.${dead}.cccccccccccc.tmp`), 'x')
    await writeFile(join(d, `.image.${uniqueTempTag()}.tmp`), 'mine')
    await writeFile(join(d, 'image'), 'user file')
    assert.equal(await sweepStaleTemps(d, '.image.'), 2)
    const left = (await readdir(d)).sort()
    assert.equal(left.length, 3)
    assert.ok(left.includes('image'))
    assert.ok(left.includes(`.other.${dead}.cccccccccccc.tmp`), 'another prefix is left alone')
    assert.ok(
      left.some((n) => n.startsWith(`.image.${ownerTag()}.`)),
      'our own temp file stays',
    )
    assert.equal(await sweepStaleTemps(d), 1, 'without a prefix: every stale name')
    assert.equal(await sweepStaleTemps(join(d, 'missing')), 0)
  })
})
