/**
 * The bundle's tar header encoder: short names, names split into ustar's prefix, and names only a
 * PAX header can hold are read back the same by GNU tar and by skiff's own tar index.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { run, withTempDir } from '../../helpers/tools.js'
import { endOfArchive, entryHeader, padding } from '../../../src/transports/registry-storage-archive/tar-encode.js'
import { scanTar } from '../../../src/transports/shared/docker-tarfile/tar-index.js'

test('entry names of every length read back by GNU tar and scanTar, with modes, sizes and contents', async () => {
  await withTempDir(async (t) => {
    const long = `docker/registry/v2/repositories/${'a'.repeat(60)}/${'b'.repeat(70)}/_manifests/tags/${'v'.repeat(100)}/current/link`
    const split = `docker/registry/v2/repositories/kubesphere/kube-apiserver/_manifests/tags/v1.20.6/index/sha256/${'e'.repeat(64)}/link`
    const files = { 'images.txt': 'a:b sha256:x\n', [split]: 'sha256:' + 'e'.repeat(64), [long]: 'x'.repeat(600) }
    const parts: Buffer[] = [entryHeader('docker', 0, 0o755, '5')]
    for (const [name, text] of Object.entries(files)) {
      const data = Buffer.from(text)
      parts.push(entryHeader(name, data.length, 0o644, '0'), data, padding(data.length))
    }
    parts.push(endOfArchive())
    const file = join(t, 'x.tar')
    writeFileSync(file, Buffer.concat(parts))
    const listed = await run('tar', ['-tvf', file])
    assert.equal(listed.code, 0, listed.stderr)
    const lines = listed.stdout.trim().split('\n')
    assert.match(lines[0]!, /^drwxr-xr-x 0\/0 +0 1970-01-01 00:00 docker\/$/)
    assert.deepEqual(
      lines.slice(1).map((l) => l.split(/\s+/).at(-1)),
      Object.keys(files),
    )
    for (const l of lines.slice(1)) assert.match(l, /^-rw-r--r-- 0\/0 /)
    const index = await scanTar(file)
    assert.equal(index.complete, true)
    for (const [name, text] of Object.entries(files)) {
      const e = index.resolve(name)!
      assert.equal(e.size, Buffer.byteLength(text), name)
      const x = await run('tar', ['-xOf', file, name])
      assert.equal(x.stdout, text, name)
    }
  })
})
