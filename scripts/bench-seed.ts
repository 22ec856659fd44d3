/**
 * The seed's own workloads in `npm run bench` (scripts/bench-seed-corpus.ts builds the corpus):
 *
 * - the 143-image list in one process (`sync --src yaml`, the same arguments for both tools);
 * - the seed's sync.sh: one `copy` process per image, exactly its flags;
 * - 15 `inspect docker://` processes (start-up);
 * - one `sync --all --src docker` process per repository (15 repositories, most tags first), to
 *   a registry and to `--dest dir`.
 *
 * Every run gets a fresh destination (registry or folder) per tool and a fresh $XDG_CACHE_HOME for
 * skiff; the tools alternate, and so does who goes first. `latencyMs` puts scripts/bench-proxy.ts
 * (loopback only) in front of the source registry, so every source round trip costs that much more.
 * A loop stops at its first failing process and the bench fails with that process's output.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startRegistry, type Registry } from '../test/helpers/registry/index.js'
import { busiestRepositories, buildSeedCorpus, pushSeedCorpus } from './bench-seed-corpus.js'
import { startDelayProxy, type DelayProxy } from './bench-proxy.js'
import { writeSyncYaml } from './bench-corpus.js'
import { row, timed, type Cmd, type Sample } from './bench-util.js'

export interface SeedBenchOptions {
  work: string
  runs: number
  /** runs of the per-process loops (sync.sh, per-repository sync) */
  loopRuns: number
  images: number
  baseKib: number
  /** extra round trip to the source registry, ms (0: none) */
  latencyMs: number
  skiffBin: string
  withSkopeo: boolean
  log: (s: string) => void
}

type Tool = 'skiff' | 'skopeo'

/** POSIX-shell quoting of one word. */
const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`

export async function runSeedBench(o: SeedBenchOptions): Promise<string[]> {
  o.log(`seed corpus: ${o.images} images of the seed's list, 4 shared base layers (${o.baseKib} KiB and smaller)…`)
  const corpus = await buildSeedCorpus(o.work, { images: o.images, baseKib: o.baseKib })
  const reg = await startRegistry()
  let proxy: DelayProxy | undefined
  const rows: string[] = []
  try {
    await pushSeedCorpus(corpus, reg.host)
    if (o.latencyMs > 0) proxy = await startDelayProxy(reg.port, o.latencyMs)
    const src = proxy?.host ?? reg.host
    const at = o.latencyMs > 0 ? `, source +${o.latencyMs} ms round trip` : ''
    const yaml = join(o.work, 'seed.yaml')
    await writeSyncYaml(yaml, src, corpus.images)
    const tls = ['--src-tls-verify=false', '--dest-tls-verify=false']
    const bin = (tool: Tool): string => (tool === 'skiff' ? o.skiffBin : 'skopeo')
    const env = (tool: Tool): Record<string, string> =>
      tool === 'skiff' ? { XDG_CACHE_HOME: mkdtempSync(join(o.work, 'cache-')) } : {}
    let n = 0
    const freshDir = (): string => join(o.work, `seed-out-${n++}`)
    /** A shell script of one command per line, stopping at the first failure (named on stderr). */
    const script = (tool: Tool, lines: string[][]): Cmd => {
      const file = join(o.work, `loop-${n++}.sh`)
      const body = lines.map(
        (argv) =>
          `${[bin(tool), ...argv].map(q).join(' ')} >/dev/null || { echo ${q(`FAILED: ${argv.join(' ')}`)} >&2; exit 1; }`,
      )
      writeFileSync(file, `${body.join('\n')}\n`)
      return { cmd: 'sh', argv: [file], env: env(tool) }
    }

    async function compare(
      name: string,
      target: string,
      runs: number,
      build: (tool: Tool, dest: Registry) => Cmd,
    ): Promise<void> {
      const ours: Sample[] = []
      const theirs: Sample[] = []
      for (let i = 0; i < runs; i++) {
        const order: Tool[] = o.withSkopeo ? (i % 2 ? ['skopeo', 'skiff'] : ['skiff', 'skopeo']) : ['skiff']
        for (const tool of order) {
          const dest = await startRegistry()
          try {
            ;(tool === 'skiff' ? ours : theirs).push(timed(build(tool, dest)))
          } finally {
            await dest.close()
          }
        }
      }
      const r = row(name, ours, theirs, target)
      rows.push(r)
      o.log(r)
    }

    const N = corpus.images.length
    await compare(
      `seed list, one process (${N} images; sync --src yaml)${at}`,
      o.latencyMs > 0 ? '≤ 0.05×' : '≤ 0.35×',
      o.runs,
      (tool, dest) => ({
        cmd: bin(tool),
        argv: ['--insecure-policy', 'sync', '--src', 'yaml', '--dest', 'docker', ...tls, yaml, dest.host],
        env: env(tool),
      }),
    )
    // sync.sh: `skopeo copy --insecure-policy --src-tls-verify=false --dest-tls-verify=false
    //   --override-arch amd64 --override-os linux -q docker://$1 docker://$2`, once per image
    await compare(`seed sync.sh: one copy process per image (${N})${at}`, '≤ 1.0×', o.loopRuns, (tool, dest) =>
      script(
        tool,
        corpus.images.map((img) => [
          'copy',
          '--insecure-policy',
          ...tls,
          '--override-arch',
          'amd64',
          '--override-os',
          'linux',
          '-q',
          `docker://${src}/${img}`,
          `docker://${dest.host}/${img}`,
        ]),
      ),
    )
    const fifteen = corpus.images.slice(0, 15)
    await compare(`${fifteen.length} inspect docker:// processes${at}`, '≤ 3× (RSS ≤ 70)', o.runs, (tool) =>
      script(
        tool,
        fifteen.map((img) => ['inspect', '--tls-verify=false', `docker://${src}/${img}`]),
      ),
    )
    // the floor of any Node CLI: the same number of processes that only start Node (`node -e 0`)
    await compare(
      `floor: ${fifteen.length} \`node -e 0\` processes (skopeo: its ${fifteen.length} inspects)`,
      '',
      o.runs,
      (tool) =>
        tool === 'skiff'
          ? { cmd: 'sh', argv: ['-c', fifteen.map(() => `${q(process.execPath)} -e 0`).join(' && ')] }
          : script(
              tool,
              fifteen.map((img) => ['inspect', '--tls-verify=false', `docker://${src}/${img}`]),
            ),
    )
    const repos = busiestRepositories(corpus.images, 15)
    const tagCount = corpus.images.filter((i) => repos.includes(i.slice(0, i.lastIndexOf(':')))).length
    const perRepo = (tool: Tool, kind: 'docker' | 'dir', dest: string, flags: string[]): Cmd =>
      script(
        tool,
        repos.map((repo) => [
          'sync',
          '--insecure-policy',
          '--all',
          '--src',
          'docker',
          '--dest',
          kind,
          ...flags,
          `${src}/${repo}`,
          dest,
        ]),
      )
    await compare(
      `${repos.length} repositories (${tagCount} images), one sync --src docker process each${at}`,
      '≤ 1.0×',
      o.loopRuns,
      (tool, dest) => perRepo(tool, 'docker', dest.host, tls),
    )
    await compare(`same, --dest dir${at}`, '≤ 0.8×', o.loopRuns, (tool) =>
      perRepo(tool, 'dir', freshDir(), ['--src-tls-verify=false']),
    )
  } finally {
    await proxy?.close()
    await reg.close()
  }
  return rows
}
