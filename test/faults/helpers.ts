/**
 * Shared by the kill -9 fault suites: a ≥ 200 MB multi-layer image of incompressible data in an oci:
 * layout (built once per test file), a seeded RNG, kill-at-a-moment runs of the real CLI, and scans
 * for temp files.
 */
import { spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises'
import { pipeline } from 'node:stream/promises'
import { extract } from 'tar-stream'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { tarOf } from '../helpers/fixtures.js'
import { CLI_ARGS, ROOT } from '../cli/run-skiff.js'

export interface BigImage {
  layout: string
  ref: string
  manifestDigest: string
  layers: { digest: string; size: number; diffID: string }[]
  configDigest: string
  totalBytes: number
}

function sha256(b: Buffer): string {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`
}

/**
 * `layerMiB` random bytes per layer, each a one-file tar, gzip level 0 (stored: random data does
 * not compress, and level 0 costs no CPU), written as an OCI image tagged `big`.
 */
export async function buildBigImage(dir: string, layerMiB: number[] = [60, 52, 44, 36]): Promise<BigImage> {
  const layout = join(dir, 'big-src')
  const blobs = join(layout, 'blobs', 'sha256')
  await mkdir(blobs, { recursive: true })
  const layers: BigImage['layers'] = []
  let totalBytes = 0
  for (const [i, mib] of layerMiB.entries()) {
    const tar = await tarOf({ [`layer${i}/random.bin`]: randomBytes(mib << 20) })
    const gz = gzipSync(tar, { level: 0 })
    const digest = sha256(gz)
    await writeFile(join(blobs, digest.slice(7)), gz)
    layers.push({ digest, size: gz.length, diffID: sha256(tar) })
    totalBytes += gz.length
  }
  const config = Buffer.from(
    JSON.stringify({
      created: '2024-01-02T03:04:05Z',
      architecture: 'amd64',
      os: 'linux',
      config: { Cmd: ['/bin/sh'] },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffID) },
      history: layers.map(() => ({ created: '2024-01-02T03:04:05Z', created_by: 'fault suite layer' })),
    }),
  )
  const configDigest = sha256(config)
  await writeFile(join(blobs, configDigest.slice(7)), config)
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
      layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: l.digest, size: l.size })),
    }),
  )
  const manifestDigest = sha256(manifest)
  await writeFile(join(blobs, manifestDigest.slice(7)), manifest)
  await writeFile(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }))
  await writeFile(
    join(layout, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: manifestDigest, size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': 'big' } }],
    }),
  )
  return { layout, ref: `oci:${layout}:big`, manifestDigest, layers, configDigest, totalBytes }
}

/** mulberry32: a small seeded RNG, so a failing run can be repeated with SKIFF_FAULT_SEED. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** The seed for this run: SKIFF_FAULT_SEED or a fresh one; printed so a failure can be replayed. */
export function faultSeed(what: string): number {
  const env = process.env.SKIFF_FAULT_SEED
  const seed = env ? Number(env) : Math.floor(Math.random() * 2 ** 31)
  console.log(`# ${what}: SKIFF_FAULT_SEED=${seed}`)
  return seed
}

export interface RunOutcome {
  code: number | null
  signal: NodeJS.Signals | null
  stderr: string
  ms: number
}

/**
 * Runs the CLI (test/cli/run-skiff.ts's CLI_ARGS: the run's bundle, or src/ through tsx); with `killAfterMs`, sends SIGKILL that long
 * after the process started (measured from spawn, so start-up is part of the range).
 */
export function runSkiff(args: string[], opts: { killAfterMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<RunOutcome> {
  return new Promise((resolve, reject) => {
    const start = Date.now()
    const child = spawn(process.execPath, [...CLI_ARGS, ...args], { cwd: ROOT, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c))
    const killer = opts.killAfterMs !== undefined ? setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs) : undefined
    const guard = setTimeout(() => child.kill('SIGKILL'), 180_000)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(killer)
      clearTimeout(guard)
      resolve({ code, signal, stderr, ms: Date.now() - start })
    })
  })
}

/** Every path under `root` (files and folders) whose name is one of skiff's temp names. */
export async function tempEntries(root: string): Promise<string[]> {
  const out: string[] = []
  const walk = async (d: string): Promise<void> => {
    let entries
    try {
      entries = await readdir(d, { withFileTypes: true })
    } catch {
      return
    }
    for (const e of entries) {
      const p = join(d, e.name)
      if (/\.(tmp|old|stale)$|^skiff-(blob|docker-archive|oci-archive)-|\.lock$/.test(e.name)) out.push(p)
      else if (e.isDirectory()) await walk(p)
    }
  }
  await walk(root)
  return out.sort()
}

export type Seen = 'absent' | 'complete'

/** One destination kind of the kill -9 suite. */
export interface KillTarget {
  name: string
  /** The destination reference: `phase` 'measure' for the timing run, 'kill' for the runs that are killed. */
  dest(phase: 'measure' | 'kill'): string
  /**
   * What a reader sees at the 'kill' destination: nothing, or the complete image. Throws when it sees
   * a partial image. `deep`: also verify every digest (once, at the end).
   */
  inspect(deep: boolean): Promise<Seen>
  /** Folders to scan for temp files after a successful re-run (the destination's, besides --tmpdir). */
  scanRoots: string[]
}

/**
 * The kill -9 suite for one destination kind: one timed copy, then `kills` copies killed at seeded
 * random moments spread over the measured duration. After every kill the destination holds nothing
 * or the complete image (never a partial one; once a complete image was there, it stays complete).
 * After the first half and at the end an unkilled re-run must succeed and leave no temp file in the
 * destination, --tmpdir or the cache.
 */
export async function killSuite(t: KillTarget, opts: { src: string; work: string; kills?: number; extraArgs?: string[]; env?: NodeJS.ProcessEnv }): Promise<void> {
  const kills = opts.kills ?? Number(process.env.SKIFF_FAULT_KILLS ?? 20)
  const rng = seededRandom(faultSeed(t.name))
  const tmp = join(opts.work, `${t.name}-tmpdir`)
  const cache = join(opts.work, `${t.name}-cache`)
  await mkdir(tmp, { recursive: true })
  const env = { XDG_CACHE_HOME: cache, ...opts.env }
  const args = (dest: string): string[] => ['--insecure-policy', '--tmpdir', tmp, 'copy', '-q', ...(opts.extraArgs ?? []), opts.src, dest]
  const fail = (msg: string): never => {
    throw new Error(`${t.name}: ${msg} (replay with SKIFF_FAULT_SEED=${process.env.SKIFF_FAULT_SEED ?? '<the seed printed above>'})`)
  }

  const measured = await runSkiff(args(t.dest('measure')), { env })
  if (measured.code !== 0) fail(`the timing copy failed: ${measured.stderr}`)
  const duration = measured.ms
  console.log(`# ${t.name}: an uninterrupted copy takes ${duration} ms`)
  if ((await t.inspect(false)) !== 'absent') fail('the kill destination is not empty before the first kill')

  let everComplete = false
  const rerun = async (label: string): Promise<void> => {
    const r = await runSkiff(args(t.dest('kill')), { env })
    if (r.code !== 0) fail(`the re-run ${label} failed: ${r.stderr}`)
    if ((await t.inspect(label === 'at the end')) !== 'complete') fail(`the re-run ${label} left no complete image`)
    everComplete = true
    const left = [...(await tempEntries(tmp)), ...(await tempEntries(cache))]
    for (const root of t.scanRoots) left.push(...(await tempEntries(root)))
    if (left.length > 0) fail(`temp files left after the re-run ${label}: ${left.join(', ')}`)
  }

  for (let i = 0; i < kills; i++) {
    const at = Math.round(duration * (0.03 + 0.94 * rng()))
    const r = await runSkiff(args(t.dest('kill')), { env, killAfterMs: at })
    if (r.signal !== 'SIGKILL' && r.code !== 0) fail(`kill #${i + 1} at ${at} ms: the copy failed on its own: ${r.stderr}`)
    let seen: Seen
    try {
      seen = await t.inspect(false)
    } catch (e) {
      return fail(`after kill #${i + 1} at ${at} ms: ${(e as Error).message}`)
    }
    if (r.signal !== 'SIGKILL') everComplete = true
    if (everComplete && seen !== 'complete') fail(`after kill #${i + 1} at ${at} ms the earlier complete image is gone`)
    if (i === Math.floor(kills / 2) - 1) await rerun('after the first half')
  }
  await rerun('at the end')
}

/** Size of a regular file, or undefined. */
export async function fileSize(path: string): Promise<number | undefined> {
  try {
    const st = await stat(path)
    return st.isFile() ? st.size : undefined
  } catch {
    return undefined
  }
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256')
  for await (const c of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(c as Buffer)
  return `sha256:${h.digest('hex')}`
}

/** Checks that the blobs of `img` are at `pathOf(digest)` with the right size (and digest when deep). */
export async function checkBlobs(img: BigImage, pathOf: (digest: string) => string, deep: boolean, what: string): Promise<void> {
  for (const l of [...img.layers, { digest: img.configDigest, size: -1 }]) {
    const p = pathOf(l.digest)
    const size = await fileSize(p)
    if (size === undefined) throw new Error(`${what}: the image is visible but ${l.digest} is missing (${p})`)
    if (l.size >= 0 && size !== l.size) throw new Error(`${what}: the image is visible but ${l.digest} has ${size} bytes, not ${l.size}`)
    if (deep && (await sha256File(p)) !== l.digest) throw new Error(`${what}: ${p} does not hash to ${l.digest}`)
  }
}

/** name → size of every entry of a tar file (headers only; data is skipped). Throws on a truncated tar. */
export async function tarEntries(path: string): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  const ex = extract()
  ex.on('entry', (h, stream, next) => {
    out.set(h.name, h.size ?? 0)
    stream.on('end', next)
    stream.resume()
  })
  await pipeline(createReadStream(path, { highWaterMark: 1 << 20 }), ex)
  return out
}
