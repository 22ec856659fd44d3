/**
 * Shared by the kill -9 fault suites: a multi-layer image of incompressible data in an oci: layout
 * (built once per test file), kill-at-a-step runs of the real CLI (kill-hook.mjs) and scans for temp
 * files. With SKIFF_FAULT_DEEP=1 the image is ≥ 200 MB and SKIFF_FAULT_KILLS (default 20) kills at
 * seeded random moments follow the step kills.
 */
import { spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { after, before } from 'node:test'
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

/** The deep variant (README, "Tests"): a ≥ 200 MB image and random kills after the step kills. */
export const DEEP = process.env.SKIFF_FAULT_DEEP === '1'

/**
 * `layerMiB` random bytes per layer, each a one-file tar, gzip level 0 (stored: random data does
 * not compress, and level 0 costs no CPU), written as an OCI image tagged `big`. The default: four
 * layers of decreasing size, 18 MiB (every layer is still hundreds of writes), or 192 MiB when deep.
 */
export async function buildBigImage(
  dir: string,
  layerMiB: number[] = DEEP ? [60, 52, 44, 36] : [6, 5, 4, 3],
): Promise<BigImage> {
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
      layers: layers.map((l) => ({
        mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
        digest: l.digest,
        size: l.size,
      })),
    }),
  )
  const manifestDigest = sha256(manifest)
  await writeFile(join(blobs, manifestDigest.slice(7)), manifest)
  await writeFile(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }))
  await writeFile(
    join(layout, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: manifestDigest,
          size: manifest.length,
          annotations: { 'org.opencontainers.image.ref.name': 'big' },
        },
      ],
    }),
  )
  return { layout, ref: `oci:${layout}:big`, manifestDigest, layers, configDigest, totalBytes }
}

/**
 * A test file's work folder (`skiff-test-kill9-NAME-…` in the temp dir) and the big image in it,
 * made in the file's `before` and removed in its `after`. One destination kind per file, so the
 * kinds run in parallel (each file's kills run one after another).
 */
export function bigImageFixture(name: string): { readonly work: string; readonly img: BigImage } {
  let work: string | undefined
  let img: BigImage | undefined
  before(async () => {
    work = await mkdtemp(join(tmpdir(), `skiff-test-kill9-${name}-`))
    img = await buildBigImage(work)
  })
  after(async () => {
    if (work) await rm(work, { recursive: true, force: true })
  })
  return {
    get work(): string {
      if (!work) throw new Error('bigImageFixture: used before its before() hook ran')
      return work
    },
    get img(): BigImage {
      if (!img) throw new Error('bigImageFixture: used before its before() hook ran')
      return img
    },
  }
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

const HOOK = join(ROOT, 'test/faults/kill-hook.mjs')

/**
 * Runs the CLI (test/cli/run-skiff.ts's CLI_ARGS: the run's bundle, or src/ through tsx); with
 * `killAfterMs`, sends SIGKILL that long after the process started (measured from spawn, so
 * start-up is part of the range). With SKIFF_KILL_AT or SKIFF_KILL_TRACE in `env`, under kill-hook.mjs.
 */
export function runSkiff(
  args: string[],
  opts: { killAfterMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<RunOutcome> {
  return new Promise((resolve, reject) => {
    const start = Date.now()
    const hook =
      opts.env?.SKIFF_KILL_AT !== undefined || opts.env?.SKIFF_KILL_TRACE !== undefined ? ['--import', HOOK] : []
    const child = spawn(process.execPath, [...hook, ...CLI_ARGS, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c))
    const killer =
      opts.killAfterMs !== undefined ? setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs) : undefined
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
  /** Steps (stepKey) never killed before: a known gap, tested on its own (see kill9-dir's swap). */
  skipSteps?: RegExp
}

/** One step of a traced run (kill-hook.mjs). */
export interface Step {
  kind: string
  what: string
  bytes: number
  ms: number
  /**
   * its SKIFF_KILL_AT name: `s:N` (the N-th step that is not a data write), `d:N` (the N-th data
   * write); `x:N` for a step on another process's temp name (not a kill point)
   */
  n: string
}

/** A step's kind and target with names, digests and numbers blanked: "rename DIR/.blob.T.tmp". */
export function stepKey(s: Step): string {
  const what = s.what
    .replace(/skiff\d+-\d+-[0-9a-f]{6}\.[0-9a-f]{12}/g, 'T')
    .replace(/[0-9a-f]{12,}/g, 'H')
    .replace(/\d+/g, 'N')
  return `${s.kind} ${what}`
}

/**
 * Where to kill, from the trace of an unkilled run (SKIFF_KILL_AT values). Always: before
 * the first step (start-up, sources opened, nothing written); just before and just after the last
 * step that is not a data write (the commit); just after the last rename or link of every kind
 * (what becomes visible there); a quarter, half and three quarters through the data writes; half way
 * through the wait between the last step and the exit (a daemon loading, a registry answering);
 * then, evenly chosen until there are `max` points, before the first step of every kind (each kind of file opened,
 * mkdir, fsync, rename, link, unlink, each kind of HTTP request). `skip`: step kinds (stepKey)
 * never killed before.
 */
export function killPlan(trace: { steps: Step[]; exitMs: number }, skip?: RegExp, max = 12): string[] {
  // (x:N steps, the sweep of another run's temp names, are never kill points)
  const steps = trace.steps.filter((s) => !s.n.startsWith('x:'))
  const structural = steps.filter((s) => s.n.startsWith('s:'))
  const data = steps.filter((s) => s.n.startsWith('d:'))
  const points: string[] = []
  const after = (s: Step | undefined): Step | undefined => (s ? steps[steps.indexOf(s) + 1] : undefined)
  const add = (s: Step | undefined): void => {
    if (s && !points.includes(s.n) && !(skip && skip.test(stepKey(s)))) points.push(s.n)
  }
  add(steps[0])
  add(structural.at(-1))
  add(after(structural.at(-1)))
  const firsts = new Map<string, Step>()
  const lasts = new Map<string, Step>()
  for (const s of structural) {
    if (!firsts.has(stepKey(s))) firsts.set(stepKey(s), s)
    if (s.kind === 'rename' || s.kind === 'link') lasts.set(stepKey(s), s)
  }
  for (const s of lasts.values()) add(after(s))
  for (const q of [0.25, 0.5, 0.75]) add(data[Math.floor(q * (data.length - 1))])
  const end = steps.at(-1)
  if (end) points.push(`${end.n}+${Math.max(1, Math.round((trace.exitMs - end.ms) / 2))}ms`)
  const f = [...firsts.values()].filter((s) => !points.includes(s.n))
  const room = Math.max(0, max - points.length)
  for (let k = 0; k < Math.min(room, f.length); k++) add(f[Math.floor((k * f.length) / Math.min(room, f.length))])
  const order = (p: string): number => steps.findIndex((s) => s.n === p.split('+')[0])
  return points.sort((a, b) => order(a) - order(b))
}

/**
 * The kill -9 suite for one destination kind. A traced copy to another destination gives the plan
 * (killPlan); the copies killed at those steps go to a fresh destination. After every kill it holds
 * nothing or the complete image (never a partial one; once a complete image was there, it stays
 * complete). An unkilled re-run must then succeed and leave no temp file in the destination,
 * --tmpdir or the cache; a traced copy onto that complete image gives the plan for a second round
 * of kills, over the complete image, and a last re-run is checked the same way, every digest too.
 * SKIFF_FAULT_DEEP=1 puts random kills before the step kills (randomKills below).
 */
export async function killSuite(
  t: KillTarget,
  opts: { src: string; work: string; extraArgs?: string[]; env?: NodeJS.ProcessEnv },
): Promise<void> {
  const tmp = join(opts.work, `${t.name}-tmpdir`)
  const cache = join(opts.work, `${t.name}-cache`)
  await mkdir(tmp, { recursive: true })
  const env = { XDG_CACHE_HOME: cache, ...opts.env }
  const args = (dest: string): string[] => [
    '--insecure-policy',
    '--tmpdir',
    tmp,
    'copy',
    '-q',
    ...(opts.extraArgs ?? []),
    opts.src,
    dest,
  ]
  const fail = (msg: string): never => {
    throw new Error(`${t.name}: ${msg}`)
  }
  const traceFile = join(opts.work, `${t.name}-trace.json`)
  const traced = async (dest: string, cacheHome: string, label: string): Promise<{ steps: Step[]; exitMs: number }> => {
    const r = await runSkiff(args(dest), { env: { ...env, XDG_CACHE_HOME: cacheHome, SKIFF_KILL_TRACE: traceFile } })
    if (r.code !== 0) fail(`the traced copy ${label} failed: ${r.stderr}`)
    return JSON.parse(await readFile(traceFile, 'utf8'))
  }

  // its own cache: the kill runs must not mount (or skip) blobs this copy put in another repository
  const fresh = await traced(t.dest('measure'), `${cache}-measure`, 'to another destination')
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
  const check = async (r: RunOutcome, where: string): Promise<void> => {
    if (r.signal !== 'SIGKILL' && r.code !== 0) fail(`kill ${where}: the copy failed on its own: ${r.stderr}`)
    let seen: Seen
    try {
      seen = await t.inspect(false)
    } catch (e) {
      return fail(`after the kill ${where}: ${(e as Error).message}`)
    }
    if (r.signal !== 'SIGKILL') everComplete = true
    if (everComplete && seen !== 'complete') fail(`after the kill ${where} the earlier complete image is gone`)
  }
  const killAt = async (plan: string[], trace: Step[], round: string): Promise<void> => {
    for (const at of plan) {
      const s = trace.find((x) => x.n === at)
      const r = await runSkiff(args(t.dest('kill')), { env: { ...env, SKIFF_KILL_AT: at } })
      await check(r, `${round}, SKIFF_KILL_AT=${at} (${s ? `${s.kind} ${s.what}` : 'the end'})`)
    }
  }
  /**
   * SKIFF_FAULT_DEEP=1: first `SKIFF_FAULT_KILLS` (default 20) copies killed at seeded random
   * moments spread over the measured duration of an uninterrupted copy (SKIFF_FAULT_SEED replays a
   * run), with a re-run after the first half, as the suite was before the step kills.
   */
  const randomKills = async (): Promise<void> => {
    const kills = Number(process.env.SKIFF_FAULT_KILLS ?? 20)
    const seed = faultSeed(t.name)
    const rng = seededRandom(seed)
    const measured = await runSkiff(args(t.dest('measure')), { env: { ...env, XDG_CACHE_HOME: `${cache}-measure` } })
    if (measured.code !== 0) fail(`the timing copy failed: ${measured.stderr}`)
    const duration = measured.ms
    console.log(`# ${t.name}: an uninterrupted copy takes ${duration} ms`)
    for (let i = 0; i < kills; i++) {
      const at = Math.round(duration * (0.03 + 0.94 * rng()))
      const r = await runSkiff(args(t.dest('kill')), { env, killAfterMs: at })
      await check(r, `#${i + 1} at ${at} ms (replay with SKIFF_FAULT_SEED=${seed})`)
      if (i === Math.floor(kills / 2) - 1) await rerun('after the first half of the random kills')
    }
  }

  if (DEEP) await randomKills()
  const plan = killPlan(fresh, t.skipSteps)
  console.log(`# ${t.name}: ${fresh.steps.length} steps; killed at ${plan.join(' ')}`)
  await killAt(plan, fresh.steps, DEEP ? 'after the random kills' : 'into an empty destination')
  await rerun('after the first round of step kills')
  const onto = await traced(t.dest('kill'), cache, 'onto the complete image')
  const plan2 = killPlan(onto, t.skipSteps)
  console.log(`# ${t.name}: onto the complete image, ${onto.steps.length} steps; killed at ${plan2.join(' ')}`)
  await killAt(plan2, onto.steps, 'over the complete image')
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
export async function checkBlobs(
  img: BigImage,
  pathOf: (digest: string) => string,
  deep: boolean,
  what: string,
): Promise<void> {
  for (const l of [...img.layers, { digest: img.configDigest, size: -1 }]) {
    const p = pathOf(l.digest)
    const size = await fileSize(p)
    if (size === undefined) throw new Error(`${what}: the image is visible but ${l.digest} is missing (${p})`)
    if (l.size >= 0 && size !== l.size)
      throw new Error(`${what}: the image is visible but ${l.digest} has ${size} bytes, not ${l.size}`)
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
