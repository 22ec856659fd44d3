/**
 * The seed's own workloads in `npm run bench` (scripts/bench-seed-corpus.ts builds the corpus):
 *
 * - the 143-image list in one process (`sync --src yaml`, the same arguments for both tools);
 * - the seed's sync.sh: one `copy` process per image, exactly its flags;
 * - 15 `inspect docker://` processes (start-up);
 * - one `sync --all --src docker` process per repository (15 repositories, most tags first), to
 *   a registry and to `--dest dir`.
 *
 * The per-process workloads (sync.sh, the 15 inspects, the per-repository syncs) run every skiff
 * binary of `skiffBins` (bin/skiff on this machine's Node, and the single executable when it is
 * built), alternating with skopeo in the same loop: one row per binary, each against those skopeo
 * samples. The floor row has one `-e 0` row per Node those binaries run on.
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
  /** bin/skiff first (the one-process list runs only that one); its Node's binary for the floor row */
  skiffBins: SkiffBin[]
  withSkopeo: boolean
  log: (s: string) => void
}

export interface SkiffBin {
  /** what the row says: the binary and the Node it runs on */
  label: string
  path: string
  /** that Node's binary, for the `-e 0` floor */
  node: string
}

type Tool = SkiffBin | 'skopeo'

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
    const bin = (tool: Tool): string => (tool === 'skopeo' ? 'skopeo' : tool.path)
    const env = (tool: Tool): Record<string, string> =>
      tool === 'skopeo' ? {} : { XDG_CACHE_HOME: mkdtempSync(join(o.work, 'cache-')) }
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

    /**
     * `runs` rounds; in each, every binary of `bins` and skopeo once, in an order that rotates per
     * round. One row per binary (labelled when there are several), against the same skopeo samples.
     */
    async function compare(
      name: string,
      target: string,
      runs: number,
      build: (tool: Tool, dest: Registry) => Cmd,
      bins: SkiffBin[] = o.skiffBins,
      rowName: (b: SkiffBin) => string = (b) => (bins.length > 1 ? `${name} — ${b.label}` : name),
    ): Promise<void> {
      const ours = bins.map((): Sample[] => [])
      const theirs: Sample[] = []
      const tools: Tool[] = [...bins, ...(o.withSkopeo ? (['skopeo'] as const) : [])]
      for (let i = 0; i < runs; i++) {
        const order = tools.map((_, k) => tools[(k + i) % tools.length]!)
        for (const tool of order) {
          const dest = await startRegistry()
          try {
            const s = timed(build(tool, dest))
            if (tool === 'skopeo') theirs.push(s)
            else ours[bins.indexOf(tool)]!.push(s)
          } finally {
            await dest.close()
          }
        }
      }
      bins.forEach((b, k) => {
        const r = row(rowName(b), ours[k]!, theirs, target)
        rows.push(r)
        o.log(r)
      })
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
      o.skiffBins.slice(0, 1),
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
    // the floor of any Node CLI: the same number of processes that only start Node (`node -e 0`),
    // once per Node the binaries run on
    const nodes = o.skiffBins.filter((b, k) => o.skiffBins.findIndex((c) => c.node === b.node) === k)
    await compare(
      `floor: ${fifteen.length} \`node -e 0\` processes (skopeo: its ${fifteen.length} inspects)`,
      '',
      o.runs,
      (tool) =>
        tool !== 'skopeo'
          ? { cmd: 'sh', argv: ['-c', fifteen.map(() => `${q(tool.node)} -e 0`).join(' && ')] }
          : script(
              tool,
              fifteen.map((img) => ['inspect', '--tls-verify=false', `docker://${src}/${img}`]),
            ),
      nodes,
      (b) =>
        `floor: ${fifteen.length} \`node -e 0\` processes, ${/Node v?[\d.]+/.exec(b.label)?.[0] ?? b.node} (skopeo: its ${fifteen.length} inspects)`,
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
