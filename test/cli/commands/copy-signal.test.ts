import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { writeOciImage } from '../../helpers/fixtures.js'
import { withTempDir } from '../../helpers/tools.js'
import { ROOT } from '../run-skiff.js'

test('Ctrl-C during a copy aborts it, removes partial output and exits 130', async () => {
  await withTempDir(async (dir) => {
    const layout = join(dir, 'src')
    // an uncompressed 48 MiB layer: the oci destination gzips it, which takes a while here
    await writeOciImage(layout, 'v1', { layers: [{ files: { big: randomBytes(48 * 1024 * 1024) }, compression: 'none' }] })
    const dst = join(dir, 'dst')
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', '--insecure-policy', 'copy', `oci:${layout}:v1`, `oci:${dst}:v1`], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    let sent = false
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c
      if (!sent && stderr.includes('Getting image source signatures')) {
        sent = true
        setTimeout(() => child.kill('SIGINT'), 100)
      }
    })
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000)
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)))
    clearTimeout(killer)
    assert.ok(sent, stderr)
    if (code === 0) {
      // the machine was fast enough to finish first: nothing to check about interruption
      assert.ok(existsSync(join(dst, 'index.json')))
      return
    }
    assert.equal(code, 130, stderr)
    assert.match(stderr, /skiff: interrupted by SIGINT/)
    assert.ok(!existsSync(join(dst, 'index.json')), 'no image visible at the destination')
    const leftovers = existsSync(join(dst, 'blobs', 'sha256')) ? await readdir(join(dst, 'blobs', 'sha256')) : []
    assert.ok(!leftovers.some((n) => n.includes('tmp') || n.startsWith('.')), `temp files left: ${leftovers.join(', ')}`)
  })
})
