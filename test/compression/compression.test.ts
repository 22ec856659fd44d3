import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { gzipSync } from 'node:zlib'
import { execFileSync } from 'node:child_process'
import type { SkiffError } from '../../src/errors.js'
import * as zlib from 'node:zlib'
import { compress as napiCompress, decompress as napiDecompress } from 'zstd-napi'
import { compressor, decompressor, detectCompression, peek, zstdProvider } from '../../src/compression/compression.js'

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

test('zstd comes from node:zlib where Node has it (≥ 22.15), else from the zstd-napi addon; both read each other', async () => {
  const builtIn = typeof (zlib as unknown as Record<string, unknown>)['createZstdCompress'] === 'function'
  assert.equal(zstdProvider, builtIn && process.env['SKIFF_ZSTD'] !== 'napi' ? 'node:zlib' : 'zstd-napi')
  const data = Buffer.from('a layer of some text, repeated. '.repeat(5000))
  const ours = await collect(Readable.from([data]).pipe(compressor('zstd')))
  assert.deepEqual(napiDecompress(ours), data)
  assert.deepEqual(await collect(Readable.from([napiCompress(data)]).pipe(decompressor('zstd'))), data)
  // the level reaches the encoder: level 1 and 19 give different streams
  const l1 = await collect(Readable.from([data]).pipe(compressor('zstd', 1)))
  const l19 = await collect(Readable.from([data]).pipe(compressor('zstd', 19)))
  assert.notDeepEqual(l1, l19)
})

test('rejects invalid levels and unsupported formats', () => {
  assert.throws(() => compressor('gzip', 10), /1-9/)
  assert.throws(() => compressor('zstd', 23), /1-22/)
  assert.throws(() => decompressor('none'), /cannot decompress none/)
})

for (const [format, cmd] of [
  ['xz', 'xz'],
  ['bzip2', 'bzip2'],
] as const) {
  test(`decompresses ${format} through the ${cmd} program, with backpressure, and refuses truncated data`, async () => {
    // 8 MiB of incompressible-ish data: more than every pipe buffer, so backpressure is exercised.
    const plain = Buffer.alloc(8 << 20)
    for (let i = 0; i < plain.length; i += 4)
      plain.writeUInt32LE(((Math.imul(i, 2654435761) >>> 0) ^ (i >>> 7)) >>> 0, i)
    const packed = execFileSync(cmd, ['-c', '-1'], { input: plain, maxBuffer: 64 << 20 })
    assert.equal(detectCompression(packed), format)
    const out = await collect(
      Readable.from([packed.subarray(0, 1000), packed.subarray(1000)]).pipe(decompressor(format)),
    )
    assert.ok(out.equals(plain))
    // a slow consumer: read chunk by chunk with pauses
    const slow = Readable.from([packed]).pipe(decompressor(format))
    let n = 0
    for await (const c of slow) {
      n += (c as Buffer).length
      await new Promise((r) => setImmediate(r))
    }
    assert.equal(n, plain.length)
    await assert.rejects(
      pipeline(
        Readable.from([packed.subarray(0, packed.length >> 1)]),
        decompressor(format, { what: 'layer x', image: 'dir:/i' }),
        async function* (s: AsyncIterable<Buffer>) {
          for await (const _ of s) yield* []
        },
      ),
      (e: SkiffError) =>
        e.code === 'ERR_COMPRESSION' &&
        e.image === 'dir:/i' &&
        new RegExp(`^layer x: not valid ${format} data \\(.+\\); the file is truncated or corrupt$`).test(e.message),
    )
    // garbage from the first byte
    await assert.rejects(
      collect(Readable.from([Buffer.from('not compressed at all')]).pipe(decompressor(format))),
      (e: SkiffError) => e.code === 'ERR_COMPRESSION',
    )
    // data after the end of the stream (more than a pipe holds, and a little): refused, no hang
    for (const trailing of [Buffer.alloc(3 << 20, 0x41), Buffer.from('junk')]) {
      await assert.rejects(
        collect(Readable.from([packed, trailing]).pipe(decompressor(format))),
        (e: SkiffError) => e.code === 'ERR_COMPRESSION',
        `${trailing.length} trailing bytes`,
      )
    }
    // destroying the stream early ends the program and does not hang
    const early = Readable.from([packed]).pipe(decompressor(format))
    for await (const _ of early) break
  })
}
