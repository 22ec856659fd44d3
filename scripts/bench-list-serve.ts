/** Keeps a seed source registry (optionally behind the delay proxy) and a destination registry up for manual runs; prints their hosts. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startRegistry } from '../test/helpers/registry/index.js'
import { buildSeedCorpus, pushSeedCorpus } from './bench-seed-corpus.js'
import { startDelayProxy } from './bench-proxy.js'
import { writeSyncYaml } from './bench-corpus.js'

const latency = Number(process.argv[2] ?? '0')
const work = mkdtempSync(join(tmpdir(), 'bench-serve-'))
const corpus = await buildSeedCorpus(work, { images: 143, baseKib: 1024 })
const reg = await startRegistry()
await pushSeedCorpus(corpus, reg.host)
const proxy = latency > 0 ? await startDelayProxy(reg.port, latency) : undefined
const dest = await startRegistry()
const yaml = join(work, 'seed.yaml')
await writeSyncYaml(yaml, proxy?.host ?? reg.host, corpus.images)
writeFileSync(
  '/tmp/listsync-serve.env',
  `YAML=${yaml}\nSRC=${reg.host}\nDEST=${dest.host}\nSRCLOG=${reg.logPath}\nDESTLOG=${dest.logPath}\n`,
)
console.log('ready')
const stop = async (): Promise<void> => {
  await proxy?.close()
  await dest.close()
  await reg.close()
  rmSync(work, { recursive: true, force: true })
  process.exit(0)
}
process.on('SIGTERM', () => void stop())
process.on('SIGINT', () => void stop())
setInterval(() => {}, 1 << 30)
