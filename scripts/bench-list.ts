/**
 * Quick A/B of the seed list in one process (`sync --src yaml`), registry → registry, with request
 * counts from both registries' access logs:
 *   node --import tsx scripts/bench-list.ts [--runs N] [--latency-ms N] [--no-skopeo] [--images N] [--skiff BIN] [-- extra skiff args]
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startRegistry } from '../test/helpers/registry/index.js'
import { buildSeedCorpus, pushSeedCorpus } from './bench-seed-corpus.js'
import { startDelayProxy } from './bench-proxy.js'
import { writeSyncYaml } from './bench-corpus.js'
import { timed } from './bench-util.js'

const args = process.argv.slice(2)
const dd = args.indexOf('--')
const extra = dd >= 0 ? args.slice(dd + 1) : []
const own = dd >= 0 ? args.slice(0, dd) : args
const opt = (n: string, d: string): string => {
  const i = own.indexOf(`--${n}`)
  return i >= 0 ? own[i + 1]! : d
}
const runs = Number(opt('runs', '1'))
const latency = Number(opt('latency-ms', '0'))
const images = Number(opt('images', '143'))
const skiffs = opt('skiff', 'bin/skiff').split(',')
const withSkopeo = !own.includes('--no-skopeo')
const work = mkdtempSync(join(tmpdir(), 'bench-list-'))
const corpus = await buildSeedCorpus(work, { images, baseKib: 1024 })
const reg = await startRegistry()
await pushSeedCorpus(corpus, reg.host)
const proxy = latency > 0 ? await startDelayProxy(reg.port, latency) : undefined
const src = proxy?.host ?? reg.host
const yaml = join(work, 'seed.yaml')
await writeSyncYaml(yaml, src, corpus.images)
const tls = ['--src-tls-verify=false', '--dest-tls-verify=false']
const count = (es: { method: string; path: string }[]): string => {
  const m = new Map<string, number>()
  for (const e of es) {
    const kind =
      e.path === '/v2/'
        ? 'ping'
        : /\/manifests\//.test(e.path)
          ? 'manifest'
          : /\/blobs\/uploads/.test(e.path)
            ? 'upload'
            : /\/blobs\//.test(e.path)
              ? 'blob'
              : 'other'
    const k = `${e.method} ${kind}`
    m.set(k, (m.get(k) ?? 0) + 1)
  }
  return `${es.length} [${[...m]
    .sort()
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')}]`
}
for (let i = 0; i < runs; i++) {
  const tools = [...skiffs, ...(withSkopeo ? ['skopeo'] : [])]
  if (i % 2) tools.reverse()
  for (const tool of tools) {
    const dest = await startRegistry()
    const before = reg.requests().length
    try {
      const s = timed({
        cmd: tool === 'skopeo' ? 'skopeo' : 'node',
        argv: [
          ...(tool === 'skopeo' ? [] : [tool]),
          '--insecure-policy',
          'sync',
          '--src',
          'yaml',
          '--dest',
          'docker',
          ...tls,
          ...(tool === 'skopeo' ? [] : extra),
          yaml,
          dest.host,
        ],
        env: { XDG_CACHE_HOME: mkdtempSync(join(work, 'cache-')) },
      })
      const srcReqs = reg.requests().slice(before)
      console.log(
        `${tool}: ${s.seconds.toFixed(2)} s, ${s.cpuSeconds.toFixed(2)} CPU s, ${(s.maxRssKiB / 1024).toFixed(0)} MiB`,
      )
      console.log(`  src ${count(srcReqs)}`)
      console.log(`  dest ${count(dest.requests())}`)
    } finally {
      await dest.close()
    }
  }
}
await proxy?.close()
await reg.close()
rmSync(work, { recursive: true, force: true })
