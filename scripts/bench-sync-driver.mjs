#!/usr/bin/env node
/**
 * Benchmark stand-in for `skiff sync` until the CLI command exists: mirrors a list of images in ONE
 * process through the library (copyImage per image, `--jobs` at once, one shared copy state), as
 * the sync command will. Uses the built library (dist/lib), so start-up is what the CLI pays.
 *
 *   node scripts/bench-sync-driver.mjs --list FILE --dest docker|dir|oci TARGET [--jobs N] [--per-store N]
 *
 * FILE: one `host/repo:tag` per line. docker → docker://TARGET/repo:tag; dir → dir:TARGET/repo:tag
 * (as skopeo sync names them); oci → oci:TARGET:repo:tag. Registries are plain HTTP (loopback).
 */
import { readFileSync } from 'node:fs'
import { copyImage, insecureAcceptAnythingPolicy } from '../dist/lib/index.js'
import { createSharedCopyState } from '../dist/lib/copy/shared-state.js'

const args = process.argv.slice(2)
const opt = (name, d) => {
  const i = args.indexOf(`--${name}`)
  return i === -1 ? d : args[i + 1]
}
const list = readFileSync(opt('list'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'))
const destKind = opt('dest', 'docker')
const target = args[args.indexOf('--dest') + 2]
const jobs = Number(opt('jobs', 4))
const shared = createSharedCopyState({ transfersPerStore: Number(opt('per-store', 8)) })
const insecure = { registry: { tlsVerify: false } }
const policy = insecureAcceptAnythingPolicy()

function destFor(src) {
  const path = src.slice(src.indexOf('/') + 1)
  if (destKind === 'docker') return `docker://${target}/${path}`
  if (destKind === 'dir') return `dir:${target}/${path}`
  return `oci:${target}:${path.replace(/\//g, '_')}`
}

let next = 0
let failed = 0
async function worker() {
  while (next < list.length) {
    const src = list[next++]
    try {
      await copyImage(`docker://${src}`, destFor(src), { policy, source: insecure, destination: insecure, shared })
    } catch (e) {
      failed++
      process.stderr.write(`failed ${src}: ${e.message}\n`)
    }
  }
}
await Promise.all(Array.from({ length: Math.min(jobs, list.length) }, worker))
if (process.env.BENCH_STATS) process.stderr.write(`${JSON.stringify(shared.stats)}\n`)
process.exit(failed ? 1 : 0)
