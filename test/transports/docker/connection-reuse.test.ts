/**
 * docker: requests to one registry reuse their connection, HEADs included (undici closes the
 * connection after a HEAD unless the request says otherwise; a sync makes a HEAD per image and per
 * blob, each of which cost a TCP connect — and a round trip more over a slow link). Counted by a
 * TCP forwarder in front of a real registry.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, connect, type Server, type Socket } from 'node:net'
import { join } from 'node:path'
import { startRegistry, type Registry } from '../../helpers/registry/index.js'
import { smallImage, writeOciImage, type BuiltImage } from '../../helpers/fixtures.js'
import { copy } from '../../helpers/skiff.js'
import { withTempDir } from '../../helpers/tools.js'
import { dockerTransport } from '../../../src/transports/docker/transport.js'
import type { ResourceHolder, TransportOptions } from '../../../src/transports/types.js'
import { insecure, insecureCopy, isolateCache } from './helpers.js'
import { newContext } from '../../../src/registry/context.js'

let reg: Registry
let img: BuiltImage
let restoreCache: () => void
let forwarder: Server
let connections = 0
const sockets = new Set<Socket>()

before(async () => {
  restoreCache = isolateCache()
  reg = await startRegistry()
  await withTempDir(async (t) => {
    img = await writeOciImage(join(t, 'layout'), 'v1', smallImage('docker-reuse'))
    await copy(`oci:${join(t, 'layout')}:v1`, `docker://${reg.host}/ns/app:v1`, insecureCopy)
  })
  forwarder = createServer((client) => {
    connections++
    const upstream = connect(reg.port, '127.0.0.1')
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('close', () => sockets.delete(s))
      s.on('error', () => {})
    }
    client.pipe(upstream).pipe(client)
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  })
  await new Promise<void>((resolve) => forwarder.listen(0, '127.0.0.1', resolve))
})

after(async () => {
  for (const s of sockets) s.destroy()
  await new Promise<void>((resolve) => forwarder?.close(() => resolve()))
  await reg?.close()
  restoreCache?.()
})

test('docker: HEADs (found and not found) and the ping share one connection', async () => {
  const port = (forwarder.address() as { port: number }).port
  const host = `127.0.0.1:${port}`
  const ref = (s: string) => dockerTransport.parseReference(`//${host}/${s}`)
  const kept: (() => Promise<void>)[] = []
  const holder: ResourceHolder = {
    keep(_resource, release) {
      kept.push(release)
      return true
    },
  }
  const opts: TransportOptions = { ...insecure, context: newContext() }
  try {
    // the first query finds the endpoint (--tls-verify=false: https is tried first, on connections of its own)
    assert.ok(await ref('ns/app:v1').storedManifest!(opts, { role: 'push', holder }))
    const warm = connections
    for (let i = 0; i < 3; i++) {
      assert.equal((await ref('ns/app:v1').storedManifest!(opts, { role: 'push', holder }))?.digest, img.manifestDigest)
      assert.equal(await ref('ns/app:nope').storedManifest!(opts, { role: 'push', holder }), undefined)
      assert.equal(await ref('ns/none:v1').storedManifest!(opts, { role: 'push', holder }), undefined)
    }
    assert.equal(connections - warm, 0, `${connections - warm} new connections for 9 HEADs, one after the other`)
  } finally {
    for (const release of kept) await release()
    await opts.context!.close()
  }
})
