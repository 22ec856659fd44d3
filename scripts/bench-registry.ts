/**
 * Registry workloads of `npm run bench`: a source docker-registry holding the corpus and fresh
 * destination registries per run (one per tool, so a no-op re-sync re-syncs into what that tool
 * wrote). skiff and skopeo alternate (who goes first alternates too). Until `skiff sync` exists,
 * skiff's sync workloads run scripts/bench-sync-driver.mjs (the library in one process, as the
 * command will); once it exists, skiff gets exactly skopeo's arguments.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startRegistry, type Registry } from '../test/helpers/registry/index.js'
import { buildCorpus, pushCorpus, writeSyncYaml, type Corpus } from './bench-corpus.js'
import { row, timed, type Cmd, type Sample } from './bench-util.js'
import { startDelayProxy, type DelayProxy } from './bench-proxy.js'

export interface RegistryBenchOptions {
  work: string
  runs: number
  images: number
  manyTags: number
  largeMib: number
  jobs: number
  skiffBin: string
  withSkopeo: boolean
  /** extra round trip to the source registry, ms (0: none; scripts/bench-proxy.ts) */
  latencyMs: number
  /** Also time skopeo's per-image copy loop (the seed's sync.sh), once. */
  skopeoLoop: boolean
  log: (s: string) => void
}

const root = new URL('..', import.meta.url).pathname

/** Whether this build has `skiff sync` (not the "not available yet" placeholder). */
export function skiffHasSync(skiffBin: string): boolean {
  const r = spawnSync(
    skiffBin,
    ['sync', '--src', 'yaml', '--dest', 'docker', '/nonexistent/skiff-bench.yaml', '127.0.0.1:9'],
    { encoding: 'utf8' },
  )
  return !/not available in this version/.test(r.stderr) && !/unknown command/i.test(r.stderr)
}

export async function runRegistryBench(o: RegistryBenchOptions): Promise<string[]> {
  const { work, runs } = o
  o.log(
    `registry corpus: ${o.images} small images (40 repos) sharing 4 base layers, ${o.manyTags} tags in one repo, 1 large image (${Math.round(o.largeMib * 2.75)} MiB)…`,
  )
  const { layout, corpus } = await buildCorpus(work, { images: o.images, manyTags: o.manyTags, largeMib: o.largeMib })
  const src = await startRegistry()
  const rows: string[] = []
  let proxy: DelayProxy | undefined
  try {
    await pushCorpus(layout, corpus, src.host)
    if (o.latencyMs > 0) proxy = await startDelayProxy(src.port, o.latencyMs)
    const srcHost = proxy?.host ?? src.host
    rmSync(layout, { recursive: true, force: true })
    const viaCli = skiffHasSync(o.skiffBin)
    o.log(
      viaCli
        ? 'skiff: `skiff sync` (CLI)'
        : 'skiff: `skiff sync` not available yet; using scripts/bench-sync-driver.mjs (library, one process)',
    )
    const yaml = join(work, 'list.yaml')
    await writeSyncYaml(yaml, srcHost, [...corpus.list, corpus.large])
    const listFile = join(work, 'list.txt')
    writeFileSync(listFile, [...corpus.list, corpus.large].map((r) => `${srcHost}/${r}`).join('\n') + '\n')
    const manyFile = join(work, 'many.txt')
    writeFileSync(manyFile, corpus.manyTags.map((t) => `${srcHost}/${corpus.manyRepo}:${t}`).join('\n') + '\n')
    const tls = ['--src-tls-verify=false', '--dest-tls-verify=false']
    let n = 0
    const fresh = (): string => join(work, `r-${n++}`)
    const cache = (): Record<string, string> => ({ XDG_CACHE_HOME: mkdtempSync(join(work, 'cache-')) })
    const skopeo = (argv: string[]): Cmd => ({ cmd: 'skopeo', argv: ['--insecure-policy', ...argv] })
    const skiffSync = (skopeoArgv: string[], driverArgv: string[]): Cmd =>
      viaCli
        ? { cmd: o.skiffBin, argv: ['--insecure-policy', ...skopeoArgv], env: cache() }
        : {
            cmd: process.execPath,
            argv: [join(root, 'scripts/bench-sync-driver.mjs'), '--jobs', String(o.jobs), ...driverArgv],
            env: cache(),
          }
    const skiffCmd = (argv: string[]): Cmd => ({ cmd: o.skiffBin, argv: ['--insecure-policy', ...argv], env: cache() })

    /** Runs both tools `runs` times on fresh destination registries; `pairs` of commands per run. */
    async function compare(
      names: string[],
      targets: string[],
      build: (dest: Registry, tool: 'skiff' | 'skopeo') => Cmd[],
    ): Promise<void> {
      const ours: Sample[][] = names.map(() => [])
      const theirs: Sample[][] = names.map(() => [])
      for (let i = 0; i < runs; i++) {
        const order: Array<'skiff' | 'skopeo'> = o.withSkopeo
          ? i % 2
            ? ['skopeo', 'skiff']
            : ['skiff', 'skopeo']
          : ['skiff']
        for (const tool of order) {
          const dest = await startRegistry()
          try {
            build(dest, tool).forEach((c, k) => (tool === 'skiff' ? ours : theirs)[k]!.push(timed(c)))
          } finally {
            await dest.close()
          }
        }
      }
      names.forEach((name, k) => {
        const r = row(name, ours[k]!, theirs[k]!, targets[k])
        rows.push(r)
        o.log(r)
      })
    }

    const nList = corpus.list.length + 1
    await compare(
      [`list mirror registry→registry (${nList} images; skopeo: sync --src yaml)`, `no-op re-sync of the same list`],
      ['≤ 0.15×', ''],
      (dest, tool) => {
        const argv = ['sync', '--src', 'yaml', '--dest', 'docker', ...tls, yaml, dest.host]
        const c = tool === 'skiff' ? skiffSync(argv, ['--list', listFile, '--dest', 'docker', dest.host]) : skopeo(argv)
        return [c, { ...c, env: c.env ?? {} }]
      },
    )
    await compare(
      [`repo sync registry→registry (${corpus.manyTags.length} tags; sync --src docker)`],
      ['≤ 0.8×'],
      (dest, tool) => {
        const argv = ['sync', '--src', 'docker', '--dest', 'docker', ...tls, `${srcHost}/${corpus.manyRepo}`, dest.host]
        return [tool === 'skiff' ? skiffSync(argv, ['--list', manyFile, '--dest', 'docker', dest.host]) : skopeo(argv)]
      },
    )
    await compare([`list registry→dir (${nList} images; sync --dest dir)`], ['≤ 0.3×'], (_dest, tool) => {
      const d = fresh()
      const argv = ['sync', '--src', 'yaml', '--dest', 'dir', ...tls, yaml, d]
      return [tool === 'skiff' ? skiffSync(argv, ['--list', listFile, '--dest', 'dir', d]) : skopeo(argv)]
    })
    const large = `docker://${srcHost}/${corpus.large}`
    await compare(
      [
        'large image registry→registry',
        'large image registry→dir',
        'large image registry→oci',
        'large image registry→docker-archive',
      ],
      ['≤ 1.0×', '≤ 1.0×', '≤ 1.0×', '≤ 1.0×'],
      (dest, tool) => {
        const mk = (argv: string[]): Cmd => (tool === 'skiff' ? skiffCmd(argv) : skopeo(argv))
        return [
          mk(['copy', '-q', ...tls, large, `docker://${dest.host}/copy/large:1`]),
          mk(['copy', '-q', '--src-tls-verify=false', large, `dir:${fresh()}`]),
          mk(['copy', '-q', '--src-tls-verify=false', large, `oci:${fresh()}:x`]),
          mk(['copy', '-q', '--src-tls-verify=false', large, `docker-archive:${fresh()}.tar:bench/x:1`]),
        ]
      },
    )
    if (o.withSkopeo && o.skopeoLoop) {
      const dest = await startRegistry()
      try {
        const script = [...corpus.list, corpus.large]
          .map(
            (r) =>
              `skopeo --insecure-policy copy -q ${tls.join(' ')} docker://${srcHost}/${r} docker://${dest.host}/${r} || exit 1`,
          )
          .join('\n')
        const s = timed({ cmd: 'sh', argv: ['-c', script] })
        const r = `| skopeo per-image copy loop (sync.sh), ${nList} images, 1 run | – | ${s.seconds.toFixed(3)} | – | | – | ${s.cpuSeconds.toFixed(2)} | – | ${(s.maxRssKiB / 1024).toFixed(0)} |`
        rows.push(r)
        o.log(r)
      } finally {
        await dest.close()
      }
    }
  } finally {
    await proxy?.close()
    await src.close()
  }
  return rows
}

export type { Corpus }
