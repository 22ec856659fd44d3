/**
 * Release-bundle workloads of `npm run bench` (issue 14), on a store of the seed's 143 images (4
 * shared 1 MiB base layers + one 32 KiB layer each, written straight into the store): select
 * against the seed's bash script and `cp -al` of the result, bundle writing (tar and tar.zst,
 * bytes written), verify-bundle, and install from the bundle into a fresh docker-registry against
 * a sync from the store. Alternating runs, medians; CPU seconds (user+sys) beside the wall time,
 * as the 2-core machine is shared and wall times swing.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { startRegistry } from '../test/helpers/registry/index.js'
import { writeSeedStore } from '../test/helpers/store-fixtures.js'
import { layerData } from './bench-corpus.js'
import { median } from './bench-util.js'

export interface BundleBenchOptions {
  work: string
  runs: number
  skiffBin: string
  /** Only the select rows (skiff, the seed's script, cp -al). */
  selectOnly?: boolean
  log: (s: string) => void
}

interface Run {
  wall: number
  cpu: number
}

const root = new URL('..', import.meta.url).pathname
const SEED_SELECT = join(root, 'test', 'helpers', 'seed-select.sh')

/**
 * Wall and CPU (user+sys of the child, from /usr/bin/time) of one command. Every command starts
 * with no dirty data in the page cache (an untimed `sync` first): select's one flush (syncfs) would
 * otherwise also write back what the command before it (the seed's script, cp -al, the rm of the
 * last output) left dirty.
 */
function measure(cmd: string, argv: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Run {
  spawnSync('sync')
  const t0 = process.hrtime.bigint()
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S', cmd, ...argv], {
    encoding: 'utf8',
    cwd: opts.cwd,
    env: { ...process.env, ...(opts.env ?? {}) },
    maxBuffer: 64 * 1024 * 1024,
  })
  const wall = Number(process.hrtime.bigint() - t0) / 1e9
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed:\n${r.stderr.slice(-4000)}`)
  const [u, s] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number)
  return { wall, cpu: u! + s! }
}

const fmt = (xs: Run[]): string =>
  `${median(xs.map((x) => x.wall)).toFixed(3)} | ${median(xs.map((x) => x.cpu)).toFixed(2)}`
const mib = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MiB`

export async function runBundleBench(o: BundleBenchOptions): Promise<string[]> {
  const dir = join(o.work, 'bundles')
  const pool = join(dir, 'pool')
  o.log(`bundles: writing a store of the seed's 143 images in ${pool}…`)
  const base = [0, 1, 2, 3].map((i) => ({ files: { [`base${i}`]: layerData(1 << 20) }, compression: 'none' as const }))
  const seed = await writeSeedStore(pool, { base, ownBytes: 32 * 1024 })
  const lists = join(dir, 'lists')
  mkdirSync(lists, { recursive: true })
  writeFileSync(join(lists, 'release.list'), `${seed.images.join('\n')}\n`)
  const sk = (args: string[], env?: NodeJS.ProcessEnv): Run =>
    measure(o.skiffBin, ['--insecure-policy', ...args], env ? { env } : {})
  const fresh = (p: string): string => (rmSync(p, { recursive: true, force: true }), p)

  const loadAtStart = loadavg()[0].toFixed(1)
  const ours: Run[] = []
  const seedRuns: Run[] = []
  const cp: Run[] = []
  for (let i = 0; i < o.runs; i++) {
    const skiffRun = (): void => {
      ours.push(
        sk([
          'sync',
          '--progress',
          'none',
          '--src',
          'registry-storage',
          '--dest',
          'registry-storage',
          '--images-from',
          lists,
          pool,
          fresh(join(dir, 'sel')),
        ]),
      )
    }
    const seedRun = (): void => {
      seedRuns.push(measure('bash', [SEED_SELECT, lists, pool, fresh(join(dir, 'seed-sel'))]))
    }
    if (i % 2) {
      seedRun()
      skiffRun()
    } else {
      skiffRun()
      seedRun()
    }
    cp.push(measure('cp', ['-al', join(dir, 'sel'), fresh(join(dir, 'cp'))]))
  }
  const ratio = (a: Run[], b: Run[]): string =>
    `${(median(a.map((x) => x.wall)) / median(b.map((x) => x.wall))).toFixed(2)}×`
  const cpuRatio = (a: Run[], b: Run[]): string =>
    `${(median(a.map((x) => x.cpu)) / median(b.map((x) => x.cpu))).toFixed(2)}×`
  const rows = [
    '',
    `Release bundles (issue 14): the seed's 143 images, ${mib(seed.baseBytes)} shared base + 32 KiB each; ${o.runs} runs, median`,
    '',
    '| workload | wall s | CPU s | vs | target |',
    '|---|---|---|---|---|',
    `| select: skiff sync --src registry-storage --dest registry-storage | ${fmt(ours)} | ${ratio(ours, seedRuns)} the seed's script, ${ratio(ours, cp)} cp -al (CPU: ${cpuRatio(ours, seedRuns)}, ${cpuRatio(ours, cp)}); load ${loadAtStart}–${loadavg()[0].toFixed(1)} | ≤ 0.1× script, ≤ 2× cp -al |`,
    `| select: the seed's bash script | ${fmt(seedRuns)} | | |`,
    `| cp -al of the selected store | ${fmt(cp)} | | |`,
  ]
  o.log(rows.slice(-3).join('\n'))
  if (o.selectOnly) {
    rmSync(dir, { recursive: true, force: true })
    return rows
  }

  const bundle = (name: string): { runs: Run[]; bytes: number } => {
    const runs: Run[] = []
    let bytes = 0
    for (let i = 0; i < o.runs; i++) {
      const out = join(dir, name)
      rmSync(out, { force: true })
      runs.push(
        sk([
          'sync',
          '--progress',
          'none',
          '--src',
          'registry-storage',
          '--dest',
          'registry-storage-archive',
          '--images-from',
          lists,
          pool,
          out,
        ]),
      )
      bytes = statSync(out).size
    }
    return { runs, bytes }
  }
  const tar = bundle('release.tar')
  const zst = bundle('release.tar.zst')
  const seedTar: Run[] = []
  for (let i = 0; i < o.runs; i++)
    seedTar.push(measure('tar', ['-cf', fresh(join(dir, 'seed.tar')), '-C', join(dir, 'seed-sel'), '.']))
  const verify: Run[] = []
  for (let i = 0; i < o.runs; i++) verify.push(sk(['verify-bundle', join(dir, 'release.tar')]))
  rows.push(
    `| bundle: sync --dest registry-storage-archive release.tar | ${fmt(tar.runs)} | ${mib(tar.bytes)} written | |`,
    `| bundle: … release.tar.zst | ${fmt(zst.runs)} | ${mib(zst.bytes)} written | |`,
    `| the seed's way, after its select: tar -cf of the hardlink farm | ${fmt(seedTar)} | ${mib(statSync(join(dir, 'seed.tar')).size)} written | |`,
    `| verify-bundle release.tar (every digest) | ${fmt(verify)} | | |`,
  )
  o.log(rows.slice(-4).join('\n'))

  const installs: Run[] = []
  const fromStore: Run[] = []
  for (let i = 0; i < o.runs; i++) {
    for (const kind of i % 2 ? ['store', 'bundle'] : ['bundle', 'store']) {
      const reg = await startRegistry()
      try {
        const env = { XDG_CACHE_HOME: join(dir, `cache-${i}-${kind}`) }
        const args =
          kind === 'bundle'
            ? ['--src', 'registry-storage-archive', join(dir, 'release.tar')]
            : ['--src', 'registry-storage', '--images-from', lists, pool]
        const r = sk(
          [
            'sync',
            '--progress',
            'none',
            '--dest-tls-verify=false',
            ...args.slice(0, -1),
            '--dest',
            'docker',
            args.at(-1)!,
            reg.host,
          ],
          env,
        )
        ;(kind === 'bundle' ? installs : fromStore).push(r)
      } finally {
        await reg.close()
      }
    }
  }
  rows.push(
    `| install: sync --src registry-storage-archive release.tar --dest docker (fresh registry) | ${fmt(installs)} | ${ratio(installs, fromStore)} the store | |`,
    `| install: sync --src registry-storage STORE --dest docker (fresh registry) | ${fmt(fromStore)} | | |`,
  )
  o.log(rows.slice(-2).join('\n'))
  rmSync(dir, { recursive: true, force: true })
  return rows
}
