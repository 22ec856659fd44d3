/**
 * index.json is replaced atomically (temp file + rename) on every commit: readers polling the
 * layout while commits land — a tight read loop in another process and skopeo — never see a
 * truncated or half-written index, and every commit gives index.json a new inode.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { requireTool, run, withTempDir } from '../../helpers/tools.js'
import { smallImage, writeOciImage } from '../../helpers/fixtures.js'
import { copy } from '../../helpers/skiff.js'

/** Another process: reads and parses index.json as fast as it can until `stop` exists. */
const READER = `
const fs = require('node:fs')
const [index, stop] = process.argv.slice(1)
let reads = 0, bad = 0, sample = ''
const inodes = new Set()
while (!fs.existsSync(stop)) {
  let text
  try { text = fs.readFileSync(index, 'utf8') } catch (e) { bad++; sample = String(e); continue }
  reads++
  try { JSON.parse(text).manifests.length } catch (e) { bad++; sample = JSON.stringify(text.slice(0, 80)) }
  inodes.add(fs.statSync(index).ino)
}
process.stdout.write(JSON.stringify({ reads, bad, sample, inodes: inodes.size }))
`

test('oci: index.json is replaced atomically: polling readers never see invalid JSON; each commit is a new inode', async () => {
  requireTool('skopeo')
  await withTempDir(async (tmp) => {
    const fixture = join(tmp, 'fixture')
    const n = 20
    for (let i = 0; i < n; i++) await writeOciImage(fixture, `t${i}`, smallImage(`img${i}`))
    const layout = join(tmp, 'out')
    const index = join(layout, 'index.json')
    await copy(`oci:${fixture}:t0`, `oci:${layout}:t0`)
    // A long index (unnamed entries, which every commit keeps) widens the window an in-place write
    // would leave open (truncated, then partly written) for the readers below.
    const seeded = JSON.parse(await readFile(index, 'utf8'))
    const t0 = seeded.manifests[0]
    for (let i = 0; i < 2000; i++)
      seeded.manifests.push({
        mediaType: t0.mediaType,
        digest: t0.digest,
        size: t0.size,
        annotations: { 'test.pad': String(i) },
      })
    await writeFile(index, JSON.stringify(seeded))

    const stop = join(tmp, 'stop')
    const reader = spawn(process.execPath, ['-e', READER, index, stop], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    reader.stdout.setEncoding('utf8').on('data', (c: string) => (out += c))
    const readerDone = new Promise<number | null>((resolve) => reader.on('close', resolve))
    let polling = true
    const skopeoRuns: { code: number; stderr: string }[] = []
    const skopeoLoop = (async () => {
      while (polling)
        skopeoRuns.push(await run('skopeo', ['--insecure-policy', 'inspect', '--raw', `oci:${layout}:t0`]))
    })()
    try {
      let ino = (await stat(index)).ino
      for (let i = 1; i < n; i++) {
        await copy(`oci:${fixture}:t${i}`, `oci:${layout}:t${i}`)
        const next = (await stat(index)).ino
        assert.notEqual(
          next,
          ino,
          `commit ${i} rewrote index.json in place (same inode ${ino}) instead of renaming a new file over it`,
        )
        ino = next
      }
    } finally {
      polling = false
      await writeFile(stop, '')
      await skopeoLoop
      await readerDone
    }
    const r = JSON.parse(out) as { reads: number; bad: number; sample: string; inodes: number }
    assert.equal(r.bad, 0, `the reader saw ${r.bad} invalid index.json (of ${r.reads} reads), e.g. ${r.sample}`)
    assert.ok(r.reads > n, `the reader polled (${r.reads} reads)`)
    assert.ok(skopeoRuns.length > 0)
    for (const s of skopeoRuns) assert.equal(s.code, 0, `skopeo inspect while commits landed: ${s.stderr}`)
    const final = await run('skopeo', ['--insecure-policy', 'inspect', '--raw', `oci:${layout}:t${n - 1}`])
    assert.equal(final.code, 0, final.stderr)
    assert.equal(JSON.parse(await readFile(index, 'utf8')).manifests.length, n + 2000)
  })
})
