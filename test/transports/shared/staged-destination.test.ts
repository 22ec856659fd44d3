/** The shared destination lifecycle (src/transports/shared/staged-destination.ts), by itself. */
import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { it } from 'node:test'
import { StagedDestination } from '../../../src/transports/shared/staged-destination.js'
import type { DestinationProperties } from '../../../src/transports/types.js'
import type { BlobInfo } from '../../../src/manifest/types.js'
import { fakeReference } from '../../helpers/fake-source.js'
import { sha256 } from '../../helpers/fixtures.js'

class Counting extends StagedDestination {
  readonly properties: DestinationProperties = {
    desiredLayerCompression: 'preserve',
    supportsMultiImage: false,
    acceptsForeignLayerURLs: false,
    hasThreadSafePutBlob: true,
    supportsSignatures: false,
  }
  readonly log: string[] = []
  failPublish = 0

  constructor() {
    super(fakeReference('staged'))
  }
  async tryReusingBlob(): Promise<BlobInfo | undefined> {
    return undefined
  }
  async putBlob(_s: Readable, info: BlobInfo): Promise<BlobInfo> {
    this.assertOpen('putBlob()')
    return info
  }
  async putManifest(bytes: Buffer, mediaType: string): Promise<void> {
    this.assertOpen('putManifest()')
    this.topManifest = { digest: sha256(bytes) as BlobInfo['digest'], mediaType, size: bytes.length }
  }
  async putSignatures(): Promise<void> {}
  protected async publish(): Promise<void> {
    this.requireTopManifest()
    this.log.push('publish')
    await new Promise((r) => setImmediate(r))
    if (this.failPublish-- > 0) throw new Error('publish failed')
  }
  protected async discard(): Promise<void> {
    this.log.push('discard')
  }
  protected override async release(): Promise<void> {
    this.log.push('release')
  }
}

const blob: BlobInfo = { digest: sha256('x') as BlobInfo['digest'], size: 1 }

it('commit publishes once (twice, concurrently, after close); close releases once', async () => {
  const d = new Counting()
  await d.putManifest(Buffer.from('{}'), 'm')
  await Promise.all([d.commit(), d.commit()])
  await d.commit()
  await d.close()
  await d.commit()
  await d.close()
  assert.deepEqual(d.log, ['publish', 'release'])
  await assert.rejects(d.putBlob(Readable.from([]), blob), /putBlob\(\) after commit\(\)/)
})

it('close without commit discards and releases; commit and writes after it are refused', async () => {
  const d = new Counting()
  await d.close()
  await d.close()
  assert.deepEqual(d.log, ['discard', 'release'])
  await assert.rejects(d.commit(), /staged: commit\(\) after close\(\)/)
  await assert.rejects(d.putManifest(Buffer.from('{}'), 'm'), /putManifest\(\) after close\(\)/)
  assert.deepEqual(d.log, ['discard', 'release'])
})

it('commit before the manifest is refused and leaves the destination open', async () => {
  const d = new Counting()
  await assert.rejects(d.commit(), /commit\(\) before the manifest was stored/)
  await d.putManifest(Buffer.from('{}'), 'm')
  await d.commit()
  assert.deepEqual(d.log, ['publish'])
})

it('a failed commit can be retried, and close after it discards', async () => {
  const d = new Counting()
  await d.putManifest(Buffer.from('{}'), 'm')
  d.failPublish = 2
  await assert.rejects(d.commit(), /publish failed/)
  await assert.rejects(d.commit(), /publish failed/)
  await d.close()
  assert.deepEqual(d.log, ['publish', 'publish', 'discard', 'release'])
})

it('close while a commit runs waits for it, then releases without discarding', async () => {
  const d = new Counting()
  await d.putManifest(Buffer.from('{}'), 'm')
  const committing = d.commit()
  await d.close()
  await committing
  assert.deepEqual(d.log, ['publish', 'release'])
})
