/**
 * Parallel gzip (src/compression/parallel-gzip.ts): one gzip member that the real `gzip -d` and
 * zlib read back byte for byte at every block-boundary size, the same bytes on every run, the ratio
 * of one stream (the dictionary carries matches across blocks), incompressible blocks stored, and
 * a failing source reported.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { gunzipSync, gzipSync } from 'node:zlib'
import { ParallelGzip, looksIncompressible } from '../../src/compression/parallel-gzip.js'

const BLOCK = 64 * 1024 // small blocks, so boundaries are many and cheap to test

/** Deterministic pseudo-random bytes (sha256 in counter mode). */
function noise(n: number, seed = 'skiff'): Buffer {
  const out = Buffer.alloc(n)
  for (let i = 0, off = 0; off < n; i++, off += 32) createHash('sha256').update(`${seed}${i}`).digest().copy(out, off)
  return out
}

function text(n: number): Buffer {
  const words = 'layer config manifest digest blob index tag registry mirror sync copy '.split(' ')
  let s = ''
  for (let i = 0; s.length < n; i++) s += `${words[(i * 7) % words.length]}${i % 13} `
  return Buffer.from(s.slice(0, n))
}

/** `blockSize: undefined` in `opts` means the default block size; absent means the test's small one. */
async function gz(data: Buffer, opts: ConstructorParameters<typeof ParallelGzip>[0] = {}): Promise<Buffer> {
  const out: Buffer[] = []
  const chunks = function* () {
    for (let o = 0; o < data.length; o += 10_000) yield data.subarray(o, o + 10_000)
  }
  const z = new ParallelGzip({ concurrency: 3, ...('blockSize' in opts ? opts : { ...opts, blockSize: BLOCK }) })
  z.on('data', (c: Buffer) => out.push(c))
  await pipeline(Readable.from(chunks()), z)
  return Buffer.concat(out)
}

test('gzip -d and zlib read it back at every block-boundary size, mixed data', async () => {
  const mixed = Buffer.concat([text(100_000), noise(150_000), text(120_000), noise(40_000)])
  for (const n of [0, 1, BLOCK - 1, BLOCK, BLOCK + 1, 3 * BLOCK, mixed.length]) {
    const data = mixed.subarray(0, n)
    const z = await gz(data)
    assert.deepEqual(gunzipSync(z), data, `zlib, ${n} bytes`)
    const viaTool = execFileSync('gzip', ['-d', '-c'], { input: z, maxBuffer: 1 << 24 })
    assert.ok(viaTool.equals(data), `gzip -d, ${n} bytes`)
    execFileSync('gzip', ['-t'], { input: z }) // CRC and length trailer checked by the tool
  }
})

test('the same input gives the same bytes, whatever the concurrency', async () => {
  const data = Buffer.concat([text(300_000), noise(200_000), text(77_777)])
  const a = await gz(data, { concurrency: 1 })
  const b = await gz(data, { concurrency: 3 })
  const c = await gz(data, { concurrency: 3 })
  assert.ok(a.equals(b) && b.equals(c))
})

test('matches across block boundaries are kept (the ratio of one stream)', async () => {
  // a 20 KiB random chunk repeated: without the previous block as dictionary, every block would
  // start with 20 KiB of literals
  const unit = noise(20 * 1024, 'unit')
  const data = Buffer.concat(Array.from({ length: 60 }, () => unit)) // 1.2 MiB, ~19 blocks
  const ours = (await gz(data)).length
  const oneStream = gzipSync(data).length
  assert.ok(ours < oneStream + 19 * 64, `${ours} bytes vs ${oneStream} for one zlib stream`)
  assert.ok(ours < 40 * 1024, `${ours} bytes: the repeats were not found`)
})

test('compressible data compresses as zlib does; incompressible blocks are stored, not deflated', async () => {
  const t = text(800_000)
  const big = text(6 * 1024 * 1024) // the default 1 MiB blocks: their flushes cost under 2%
  const ours = (await gz(big, { blockSize: undefined })).length
  const zlibs = gzipSync(big).length
  assert.ok(ours <= zlibs * 1.02, `${ours} vs zlib's ${zlibs}`)
  assert.equal(looksIncompressible(noise(BLOCK)), true)
  const unit = noise(8 * 1024, 'unit')
  assert.equal(
    looksIncompressible(Buffer.concat(Array.from({ length: 8 }, () => unit))),
    false,
    'repeats in the window',
  )
  assert.equal(looksIncompressible(t.subarray(0, BLOCK)), false)
  // half text, half noise in one block: a sample falls on text, so the block is deflated
  assert.equal(looksIncompressible(Buffer.concat([text(BLOCK / 2), noise(BLOCK / 2)])), false)
  const n = noise(10 * BLOCK)
  const stored = await gz(n)
  // stored blocks: 5 bytes per block of up to 64 KiB, plus the sync flush marker per block
  assert.ok(stored.length <= n.length + 10 * 16 + 18, `${stored.length} for ${n.length} random bytes`)
})

test('a failing source fails the stream', async () => {
  const src = new Readable({
    read() {
      this.push(text(BLOCK * 2))
      this.destroy(new Error('connection dropped'))
    },
  })
  await assert.rejects(
    pipeline(src, new ParallelGzip({ blockSize: BLOCK }), async function* (s) {
      for await (const c of s) yield c
    }),
    /connection dropped/,
  )
})
