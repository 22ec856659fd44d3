import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { run, skopeo, withTempDir, requireTool } from '../../helpers/tools.js'
import { smallImage, writeOciImage } from '../../helpers/fixtures.js'

const WRITER = fileURLToPath(new URL('./concurrent-writer.ts', import.meta.url))

function runWriter(fixture: string, layout: string, tags: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, fixture, layout, ...tags], { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stderr })
    })
  })
}

test('two processes adding images to one oci layout at the same time lose no index.json entry', async () => {
  requireTool('umoci')
  await withTempDir(async (tmp) => {
    const fixture = join(tmp, 'fixture')
    const n = 8
    const a = Array.from({ length: n }, (_, i) => `a${i}`)
    const b = Array.from({ length: n }, (_, i) => `b${i}`)
    const digests = new Map<string, string>()
    for (const tag of [...a, ...b]) digests.set(tag, (await writeOciImage(fixture, tag, smallImage(tag))).manifestDigest)
    const layout = join(tmp, 'shared-layout')
    const results = await Promise.all([runWriter(fixture, layout, a), runWriter(fixture, layout, b)])
    for (const r of results) assert.equal(r.code, 0, r.stderr)
    const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8'))
    const byName = new Map<string, string>(index.manifests.map((m: any) => [m.annotations['org.opencontainers.image.ref.name'], m.digest]))
    assert.equal(index.manifests.length, 2 * n)
    assert.deepEqual(byName, digests)
    // every image is complete and readable by the oracles
    for (const tag of [a[n - 1]!, b[0]!]) {
      const s = await run('umoci', ['stat', '--image', `${layout}:${tag}`])
      assert.equal(s.code, 0, s.stderr)
      const r = await skopeo(['inspect', '--raw', `oci:${layout}:${tag}`])
      assert.equal(r.code, 0, r.stderr)
    }
  })
})
