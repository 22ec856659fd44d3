/**
 * `npm run bench`: skiff against skopeo on the same workloads, in the same run, alternating, several
 * runs each; prints medians, the ratio and peak memory. Builds its own corpus (no downloads).
 *
 *   npm run bench [-- --runs N] [--reg-runs N] [--large-mib N] [--images N] [--many-tags N]
 *                 [--jobs N] [--no-local] [--no-registry] [--no-skopeo-loop] [--no-bundles] [--bundle-runs N]
 *                 [--no-seed] [--seed-images N] [--seed-base-kib N] [--loop-runs N] [--latency-ms N]
 *                 [--only-bundles] [--bundle-select-only] [--skiff PATH]
 *
 * Local workloads: oci/docker-archive/dir conversions and `inspect` start-up. Registry workloads
 * (scripts/bench-registry.ts): list mirror, repo sync, registry→dir/oci/docker-archive, no-op re-sync.
 * The seed's workloads (scripts/bench-seed.ts): its 143-image list in one process, its sync.sh (one
 * copy process per image), 15 inspect processes, one sync process per repository. `--latency-ms N`
 * puts a delaying TCP proxy (loopback) in front of the source registry of the registry and seed
 * workloads. A quick run: `npm run bench -- --runs 1 --reg-runs 1 --loop-runs 1 --seed-images 30
 * --large-mib 8 --images 24 --no-skopeo-loop`.
 * Release bundles (scripts/bench-bundles.ts, issue 14): select vs the seed's script and cp -al,
 * bundle write, verify and install times, bytes written; printed as a table of their own.
 * `--only-bundles` runs that section alone (no corpus, no skopeo workloads); `--bundle-select-only`
 * stops it after the select rows (`npm run bench -- --only-bundles --bundle-select-only --bundle-runs 7`).
 */
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir, cpus, loadavg, totalmem } from 'node:os'
import { join } from 'node:path'
import { writeOciImage, smallImage } from '../test/helpers/fixtures.js'
import { layerData } from './bench-corpus.js'
import { HEADER, hasSkopeo, row, timed, type Sample } from './bench-util.js'
import { runRegistryBench } from './bench-registry.js'
import { runSeedBench, type SkiffBin } from './bench-seed.js'
import { runBundleBench } from './bench-bundles.js'

const args = process.argv.slice(2)
const opt = (name: string, d: number): number => {
  const i = args.indexOf(`--${name}`)
  return i === -1 ? d : Number(args[i + 1])
}
const flag = (name: string): boolean => args.includes(`--${name}`)
const RUNS = opt('runs', 5)
const LARGE_MIB = opt('large-mib', 64)
const root = new URL('..', import.meta.url).pathname
// `--skiff PATH`: another build's bin/skiff (a before/after comparison of the same workloads)
const skiffBin = args.includes('--skiff') ? args[args.indexOf('--skiff') + 1]! : join(root, 'bin', 'skiff')

/**
 * The binaries of the per-process rows: bin/skiff on this machine's Node, and the single executable
 * (`npm run build:exe`) when it is built — labelled with its Node and whether it has a start-up
 * snapshot. `npm run bench` builds only bin/skiff's bundle: an executable older than the sources is
 * named as such.
 */
async function skiffBins(): Promise<SkiffBin[]> {
  const bins: SkiffBin[] = [{ label: `bin/skiff (Node ${process.version})`, path: skiffBin, node: process.execPath }]
  const exe = join(root, 'dist', 'exe', 'skiff-linux-x64')
  if (!existsSync(exe)) {
    console.error(`${exe} is not built (npm run build:exe): per-process rows for bin/skiff only`)
    return bins
  }
  const { NODE_VERSION, nodeBinary } = (await import(
    // @ts-expect-error: a plain .mjs build script, no declarations
    './node-dist.mjs'
  )) as { NODE_VERSION: string; nodeBinary: (arch: string) => Promise<string> }
  // scripts/build-exe.mjs writes what each executable holds (start-up snapshot, code cache)
  let kind = 'SEA'
  try {
    kind = `SEA, ${(JSON.parse(readFileSync(join(root, 'dist', 'exe', 'build-info.json'), 'utf8')) as Record<string, string>).x64}`
  } catch {
    // an older build: no such file
  }
  const newest = Math.max(...['src', 'scripts'].map((d) => newestMtime(join(root, d))))
  const stale = statSync(exe).mtimeMs < newest ? ', OLDER than the sources' : ''
  bins.push({
    label: `dist/exe/skiff-linux-x64 (Node ${NODE_VERSION} ${kind}${stale})`,
    path: exe,
    node: await nodeBinary('x64'),
  })
  return bins
}

function newestMtime(dir: string): number {
  let t = 0
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile()) t = Math.max(t, statSync(join(e.parentPath, e.name)).mtimeMs)
  return t
}

interface Workload {
  name: string
  target?: string
  /** arguments after the binary, with DEST replaced by a fresh path per run */
  argv: (dest: string) => string[]
  fresh: () => string
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'skiff-bench-'))
  try {
    if (flag('only-bundles')) {
      const rows = await runBundleBench({
        work,
        runs: opt('bundle-runs', 3),
        skiffBin,
        selectOnly: flag('bundle-select-only'),
        log: (r) => console.error(r),
      })
      console.log(
        `\nrelease bundles only; load average at the end ${loadavg()
          .map((l) => l.toFixed(1))
          .join(
            ' ',
          )}; ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, ${new Date().toISOString()}`,
      )
      console.log(rows.join('\n'))
      return
    }
    console.error(`building corpus in ${work} (large image: 3 × ${LARGE_MIB} MiB layers)…`)
    const big = layerData(LARGE_MIB * 1024 * 1024)
    await writeOciImage(join(work, 'src'), 'large', {
      layers: [
        { files: { 'a.bin': big } },
        { files: { 'b.bin': big.subarray(0, big.length / 2) } },
        { files: { 'c.bin': randomBytes(LARGE_MIB * 1024 * 256) } },
      ],
    })
    await writeOciImage(join(work, 'src'), 'small', smallImage('small'))
    const prep = spawnSync(skiffBin, [
      '--insecure-policy',
      'copy',
      '-q',
      `oci:${work}/src:large`,
      `docker-archive:${work}/large.tar:bench/large:1`,
    ])
    if (prep.status !== 0) throw new Error(prep.stderr.toString())

    let n = 0
    const fresh = (): string => join(work, `out-${n++}`)
    const workloads: Workload[] = [
      {
        name: `oci → dir (large, ${(LARGE_MIB * 2.75) | 0} MiB)`,
        target: '≤ 1.0×',
        argv: (d) => ['copy', `oci:${work}/src:large`, `dir:${d}`],
        fresh,
      },
      { name: 'oci → oci (large)', argv: (d) => ['copy', `oci:${work}/src:large`, `oci:${d}:x`], fresh },
      {
        name: 'oci → docker-archive (large, decompress)',
        argv: (d) => ['copy', `oci:${work}/src:large`, `docker-archive:${d}.tar:bench/x:1`],
        fresh,
      },
      {
        name: 'docker-archive → oci (large, gzip)',
        argv: (d) => ['copy', `docker-archive:${work}/large.tar`, `oci:${d}:x`],
        fresh,
      },
      {
        name: 'oci → oci-archive (large)',
        argv: (d) => ['copy', `oci:${work}/src:large`, `oci-archive:${d}.tar:x`],
        fresh,
      },
      {
        name: 'oci → dir (small image)',
        target: '≤ 1.0×',
        argv: (d) => ['copy', `oci:${work}/src:small`, `dir:${d}`],
        fresh,
      },
      {
        name: 'inspect (start-up + small image)',
        target: '≤ 1.5×',
        argv: () => ['inspect', `oci:${work}/src:small`],
        fresh,
      },
    ]
    const withSkopeo = hasSkopeo()
    if (!withSkopeo) console.error('skopeo not installed: printing skiff’s figures only (apt-get install -y skopeo)')
    const rows: string[] = [...HEADER]
    const log = (r: string): void => console.error(r)
    if (!flag('no-local')) {
      for (const w of workloads) {
        const ours: Sample[] = []
        const theirs: Sample[] = []
        const inspect = w.name.startsWith('inspect')
        for (let i = 0; i < RUNS; i++) {
          const tools = withSkopeo ? (i % 2 ? ['skopeo', 'skiff'] : ['skiff', 'skopeo']) : ['skiff']
          for (const tool of tools) {
            const dest = w.fresh()
            const argv = w.argv(dest)
            const quiet = inspect ? argv : [argv[0]!, '-q', ...argv.slice(1)]
            const s = timed({ cmd: tool === 'skiff' ? skiffBin : 'skopeo', argv: ['--insecure-policy', ...quiet] })
            ;(tool === 'skiff' ? ours : theirs).push(s)
            for (const p of [dest, `${dest}.tar`]) rmSync(p, { recursive: true, force: true })
          }
        }
        const r = row(w.name, ours, theirs, w.target)
        rows.push(r)
        log(r)
      }
    }
    if (!flag('no-registry')) {
      rows.push(
        ...(await runRegistryBench({
          work,
          runs: opt('reg-runs', 3),
          images: opt('images', 120),
          manyTags: opt('many-tags', 30),
          largeMib: LARGE_MIB,
          jobs: opt('jobs', 4),
          skiffBin,
          withSkopeo,
          skopeoLoop: !flag('no-skopeo-loop'),
          latencyMs: opt('latency-ms', 0),
          log,
        })),
      )
    }
    if (!flag('no-seed')) {
      rows.push(
        ...(await runSeedBench({
          work,
          runs: opt('reg-runs', 3),
          loopRuns: opt('loop-runs', 1),
          images: opt('seed-images', 143),
          baseKib: opt('seed-base-kib', 1024),
          latencyMs: opt('latency-ms', 0),
          skiffBins: await skiffBins(),
          withSkopeo,
          log,
        })),
      )
    }
    // ── release bundles (issue 14): a section of its own, after the skiff-vs-skopeo table ──
    const bundleRows = flag('no-bundles')
      ? []
      : await runBundleBench({
          work,
          runs: opt('bundle-runs', 3),
          skiffBin,
          selectOnly: flag('bundle-select-only'),
          log,
        })
    // ── end of release bundles ──
    const skopeoVersion = withSkopeo
      ? spawnSync('skopeo', ['--version'], { encoding: 'utf8' }).stdout.trim()
      : 'no skopeo'
    const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${skopeoVersion}, ${new Date().toISOString().slice(0, 10)}`
    const latency = opt('latency-ms', 0) ? `, source registry +${opt('latency-ms', 0)} ms round trip` : ''
    console.log(
      `\nskiff vs skopeo, alternating; local ${RUNS} runs, registry ${opt('reg-runs', 3)} runs, loops ${opt('loop-runs', 1)} run(s)${latency}; load average at the end ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}; ${machine}\n`,
    )
    console.log(rows.join('\n'))
    if (bundleRows.length) console.log(bundleRows.join('\n'))
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

await main()
