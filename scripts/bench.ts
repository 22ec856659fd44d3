/**
 * `npm run bench`: skiff against skopeo on the same workloads, in the same run, alternating, several
 * runs each; prints medians, the ratio and peak memory. Builds its own corpus (no downloads).
 *
 *   npm run bench [-- --runs N] [-- --large-mib N]
 *
 * Registry workloads arrive with the docker:// transport; these are the local-transport ones.
 */
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir, cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import { writeOciImage, smallImage } from '../test/helpers/fixtures.js'

const args = process.argv.slice(2)
const opt = (name: string, d: number): number => {
  const i = args.indexOf(`--${name}`)
  return i === -1 ? d : Number(args[i + 1])
}
const RUNS = opt('runs', 5)
const LARGE_MIB = opt('large-mib', 64)
const root = new URL('..', import.meta.url).pathname
const skiffBin = join(root, 'bin', 'skiff')

function hasSkopeo(): boolean {
  return spawnSync('sh', ['-c', 'command -v skopeo'], { stdio: 'ignore' }).status === 0
}

interface Sample {
  seconds: number
  maxRssKiB: number
}

function timed(cmd: string, argv: string[]): Sample {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...argv], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed:\n${r.stderr}`)
  const last = r.stderr.trim().split('\n').pop()!.split(' ')
  return { seconds: Number(last[0]), maxRssKiB: Number(last[1]) }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}

/** Pseudo-random but compressible content (like real binaries), so gzip has work to do. */
function layerData(mib: number): Buffer {
  const block = randomBytes(64 * 1024)
  const out = Buffer.alloc(mib * 1024 * 1024)
  for (let off = 0; off < out.length; off += 128 * 1024) {
    block.copy(out, off)
    out.fill(off & 0xff, off + 64 * 1024, Math.min(off + 128 * 1024, out.length))
  }
  return out
}

interface Workload {
  name: string
  /** arguments after the binary, with DEST replaced by a fresh path per run */
  argv: (dest: string) => string[]
  fresh: () => string
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'skiff-bench-'))
  try {
    console.error(`building corpus in ${work} (large image: 3 × ${LARGE_MIB} MiB layers)…`)
    const big = layerData(LARGE_MIB)
    await writeOciImage(join(work, 'src'), 'large', {
      layers: [{ files: { 'a.bin': big } }, { files: { 'b.bin': big.subarray(0, big.length / 2) } }, { files: { 'c.bin': randomBytes(LARGE_MIB * 1024 * 256) } }],
    })
    await writeOciImage(join(work, 'src'), 'small', smallImage('small'))
    const prep = spawnSync(skiffBin, ['--insecure-policy', 'copy', '-q', `oci:${work}/src:large`, `docker-archive:${work}/large.tar:bench/large:1`])
    if (prep.status !== 0) throw new Error(prep.stderr.toString())

    let n = 0
    const fresh = (): string => join(work, `out-${n++}`)
    const workloads: Workload[] = [
      { name: `oci → dir (large, ${LARGE_MIB * 2.75 | 0} MiB)`, argv: (d) => ['copy', `oci:${work}/src:large`, `dir:${d}`], fresh },
      { name: 'oci → oci (large)', argv: (d) => ['copy', `oci:${work}/src:large`, `oci:${d}:x`], fresh },
      { name: 'oci → docker-archive (large, decompress)', argv: (d) => ['copy', `oci:${work}/src:large`, `docker-archive:${d}.tar:bench/x:1`], fresh },
      { name: 'docker-archive → oci (large, gzip)', argv: (d) => ['copy', `docker-archive:${work}/large.tar`, `oci:${d}:x`], fresh },
      { name: 'oci → oci-archive (large)', argv: (d) => ['copy', `oci:${work}/src:large`, `oci-archive:${d}.tar:x`], fresh },
      { name: 'oci → dir (small image)', argv: (d) => ['copy', `oci:${work}/src:small`, `dir:${d}`], fresh },
      { name: 'inspect (start-up + small image)', argv: () => ['inspect', `oci:${work}/src:small`], fresh },
    ]
    const withSkopeo = hasSkopeo()
    if (!withSkopeo) console.error('skopeo not installed: printing skiff’s figures only (apt-get install -y skopeo)')
    const rows: string[] = []
    rows.push(`| workload | skiff median s | skopeo median s | ratio | skiff peak RSS MiB | skopeo peak RSS MiB |`)
    rows.push(`|---|---|---|---|---|---|`)
    for (const w of workloads) {
      const ours: Sample[] = []
      const theirs: Sample[] = []
      for (let i = 0; i < RUNS; i++) {
        ours.push(timed(skiffBin, ['--insecure-policy', ...w.argv(w.fresh()).flatMap((a, j) => (j === 0 ? [a, '-q'] : [a])).filter((a) => !(w.name.startsWith('inspect') && a === '-q'))]))
        if (withSkopeo) theirs.push(timed('skopeo', ['--insecure-policy', ...w.argv(w.fresh()).flatMap((a, j) => (j === 0 && a === 'copy' ? [a, '-q'] : [a]))]))
        rmSync(work + '/out-' + (n - 1), { recursive: true, force: true })
      }
      const a = median(ours.map((s) => s.seconds))
      const b = withSkopeo ? median(theirs.map((s) => s.seconds)) : NaN
      const ra = Math.max(...ours.map((s) => s.maxRssKiB)) / 1024
      const rb = withSkopeo ? Math.max(...theirs.map((s) => s.maxRssKiB)) / 1024 : NaN
      const row = `| ${w.name} | ${a.toFixed(2)} | ${withSkopeo ? b.toFixed(2) : '–'} | ${withSkopeo ? (a / b).toFixed(2) + '×' : '–'} | ${ra.toFixed(0)} | ${withSkopeo ? rb.toFixed(0) : '–'} |`
      rows.push(row)
      console.error(row)
    }
    const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`
    console.log(`\nskiff vs skopeo, ${RUNS} runs each, alternating; ${machine}\n`)
    console.log(rows.join('\n'))
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

await main()
