import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { gzipSync } from 'node:zlib'
import { compressor, decompressor, detectCompression, peek } from '../../src/compression/compression.js'

async function collect(s: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const c of s) chunks.push(c as Buffer)
  return Buffer.concat(chunks)
}

test('detects compression by magic bytes', () => {
  assert.equal(detectCompression(gzipSync(Buffer.from('x'))), 'gzip')
  assert.equal(detectCompression(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0])), 'zstd')
  assert.equal(detectCompression(Buffer.from('BZh91AY')), 'bzip2')
  assert.equal(detectCompression(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])), 'xz')
  assert.equal(detectCompression(Buffer.from('plain tar data')), 'none')
  assert.equal(detectCompression(Buffer.alloc(0)), 'none')
})

test('peek returns the head and a stream that still yields everything', async () => {
  const parts = [Buffer.from('ab'), Buffer.from('cdefgh'), Buffer.from('ijk')]
  const { head, stream } = await peek(Readable.from(parts), 4)
  assert.equal(head.toString(), 'abcd')
  assert.equal((await collect(stream)).toString(), 'abcdefghijk')
  const short = await peek(Readable.from([Buffer.from('xy')]), 8)
  assert.equal(short.head.toString(), 'xy')
  assert.equal((await collect(short.stream)).toString(), 'xy')
})

for (const fmt of ['gzip', 'zstd'] as const) {
  test(`${fmt} round trip through compressor and decompressor`, async () => {
    const data = Buffer.alloc(300_000, 'layer data ')
    const compressed = await collect(Readable.from([data]).pipe(compressor(fmt, 3)))
    assert.equal(detectCompression(compressed), fmt)
    assert.ok(compressed.length < data.length)
    const out: Buffer[] = []
    await pipeline(Readable.from([compressed]), decompressor(fmt), async function* (src: AsyncIterable<Buffer>) {
      for await (const c of src) out.push(c)
    })
    assert.deepEqual(Buffer.concat(out), data)
  })
}

test('rejects invalid levels and unsupported formats', () => {
  assert.throws(() => compressor('gzip', 10), /1-9/)
  assert.throws(() => compressor('zstd', 23), /1-22/)
  assert.throws(() => decompressor('bzip2'), /cannot decompress bzip2/)
})
