import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { open, readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { writeOciImage } from '../../helpers/fixtures.js'
import { withTempDir } from '../../helpers/tools.js'
import { CLI_ARGS, ROOT } from '../run-skiff.js'

/**
 * The source is gated: the layer's blob file is a FIFO the test feeds, so the copy provably cannot
 * finish before the interrupt. The test sends a part of the layer, waits until skiff has read it,
 * sends SIGINT, and never sends the rest.
 */
test('Ctrl-C during a copy aborts it, removes partial output and ends by SIGINT (status 130)', async () => {
  await withTempDir(async (dir) => {
    const layout = join(dir, 'src')
    const content = randomBytes(4 * 1024 * 1024)
    const img = await writeOciImage(layout, 'v1', { layers: [{ files: { big: content }, compression: 'none' }] })
    const layer = img.layers[0]!
    const fifo = join(layout, 'blobs', 'sha256', layer.digest.slice(7))
    await rm(fifo)
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo')
    const dst = join(dir, 'dst')
    const child = spawn(
      process.execPath,
      [...CLI_ARGS, '--insecure-policy', 'copy', `oci:${layout}:v1`, `oci:${dst}:v1`],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c))
    let exited = false
    // after cleaning up skiff ends by the signal itself, as Unix tools do (the shell shows 130)
    const closed = new Promise<string>((resolve) =>
      child.on('close', (c, sig) => ((exited = true), resolve(sig ?? `exit ${c}`))),
    )
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000)
    // Resolves once skiff opens the blob for reading; the write completes once it has taken the
    // bytes (a pipe holds at most 64 KiB), so skiff is mid-layer when the signal goes.
    const fh = await open(fifo, 'w')
    const part = Math.floor(layer.bytes.length / 4)
    try {
      await fh.write(layer.bytes.subarray(0, part))
      assert.equal(exited, false, `skiff ended before the interrupt: ${stderr}`)
      child.kill('SIGINT')
      const code = await closed
      assert.equal(code, 'SIGINT', stderr)
    } finally {
      clearTimeout(killer)
      if (!exited) child.kill('SIGKILL')
      await closed
      await fh.close().catch(() => undefined)
    }
    assert.match(stderr, /skiff: interrupted by SIGINT/)
    assert.match(stderr, new RegExp(`Copying blob ${layer.digest}\n`), 'the layer copy had started')
    assert.doesNotMatch(stderr, /Copying config/, 'the layers were not finished (the config is copied after them)')
    assert.ok(!existsSync(join(dst, 'index.json')), 'no image visible at the destination')
    const leftovers = existsSync(join(dst, 'blobs', 'sha256')) ? await readdir(join(dst, 'blobs', 'sha256')) : []
    assert.ok(
      !leftovers.some((n) => n.includes('tmp') || n.startsWith('.')),
      `temp files left: ${leftovers.join(', ')}`,
    )
    assert.ok(!leftovers.includes(layer.digest.slice(7)), 'the unfinished layer is not stored')
  })
})
