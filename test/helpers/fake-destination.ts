/**
 * An in-memory ImageDestination, for unit tests of the copy engine only. It keeps the shared
 * staged lifecycle (src/transports/shared/staged-destination.ts: commit once, close discards,
 * no writes after either), hashes what it is given as a real store does, and records every call,
 * so a test can check what the engine asked for, in which order and how many at a time.
 */
import type { Readable } from 'node:stream'
import { createHash } from 'node:crypto'
import type { Digest } from '../../src/digest/digest.js'
import { StagedDestination } from '../../src/transports/shared/staged-destination.js'
import type { DestinationProperties, PutBlobOptions, ReuseOptions } from '../../src/transports/types.js'
import type { BlobInfo } from '../../src/manifest/types.js'
import { fakeReference } from './fake-source.js'

export interface StoredManifest {
  bytes: Buffer
  mediaType: string
}

export interface FakeDestinationOptions {
  name?: string
  properties?: Partial<DestinationProperties>
  /** Blobs the destination holds already (tryReusingBlob finds them). */
  existing?: Buffer[]
}

import type { Signature } from '../../src/signature/types.js'

export class FakeDestination extends StagedDestination {
  readonly properties: DestinationProperties
  /** Stored blobs by the digest of their bytes. */
  readonly blobs = new Map<string, Buffer>()
  /** The options each putBlob got, by the digest of what was stored. */
  readonly putOptions = new Map<string, PutBlobOptions>()
  /** Stored manifests: '' is the top level, else the instance digest. */
  readonly manifests = new Map<string, StoredManifest>()
  readonly signatures: Signature[] = []
  /** Every call, in order: `putBlob <digest>`, `reuse <digest>`, `manifest <instance|top>`, `commit`, … */
  readonly calls: string[] = []
  /** Most putBlob calls running at once. */
  maxConcurrentPuts = 0
  committed = false
  discarded = false
  private running = 0

  constructor(opts: FakeDestinationOptions = {}) {
    super(fakeReference(opts.name ?? 'destination'))
    this.properties = {
      desiredLayerCompression: 'preserve',
      supportsMultiImage: true,
      acceptsForeignLayerURLs: false,
      hasThreadSafePutBlob: true,
      supportsSignatures: true,
      ...opts.properties,
    }
    for (const b of opts.existing ?? []) this.blobs.set(digestOfBytes(b), b)
  }

  async tryReusingBlob(info: BlobInfo, _opts?: ReuseOptions): Promise<BlobInfo | undefined> {
    this.calls.push(`reuse ${info.digest}`)
    const have = this.blobs.get(info.digest)
    return have ? { ...info, size: have.length } : undefined
  }

  async putBlob(stream: Readable, info: BlobInfo, opts: PutBlobOptions = {}): Promise<BlobInfo> {
    this.assertOpen('putBlob()')
    this.calls.push(`putBlob ${info.digest}`)
    this.running++
    this.maxConcurrentPuts = Math.max(this.maxConcurrentPuts, this.running)
    try {
      const chunks: Buffer[] = []
      // A tick per chunk, so puts running in parallel overlap as they would on a real store.
      for await (const c of stream) {
        chunks.push(c as Buffer)
        await new Promise((r) => setImmediate(r))
      }
      const bytes = Buffer.concat(chunks)
      const digest = digestOfBytes(bytes)
      this.blobs.set(digest, bytes)
      this.putOptions.set(digest, opts)
      const out: BlobInfo = { digest, size: bytes.length }
      if (info.mediaType !== undefined) out.mediaType = info.mediaType
      return out
    } finally {
      this.running--
    }
  }

  async putManifest(bytes: Buffer, mediaType: string, instance?: Digest): Promise<void> {
    this.assertOpen('putManifest()')
    this.calls.push(`manifest ${instance ?? 'top'}`)
    this.manifests.set(instance ?? '', { bytes, mediaType })
    if (instance === undefined) this.topManifest = { digest: digestOfBytes(bytes), mediaType, size: bytes.length }
  }

  async putSignatures(signatures: Signature[]): Promise<void> {
    this.assertOpen('putSignatures()')
    this.calls.push(`signatures ${signatures.length}`)
    this.signatures.push(...signatures)
  }

  /** The top-level manifest as stored, parsed. */
  topJson(): {
    mediaType?: string
    layers?: BlobInfo[]
    config?: BlobInfo
    manifests?: (BlobInfo & { platform?: unknown })[]
  } {
    const m = this.manifests.get('')
    if (!m) throw new Error('no top-level manifest was stored')
    return JSON.parse(m.bytes.toString('utf8'))
  }

  protected async publish(): Promise<void> {
    this.requireTopManifest()
    this.calls.push('commit')
    this.committed = true
  }

  protected async discard(): Promise<void> {
    this.calls.push('discard')
    this.discarded = true
  }
}

function digestOfBytes(b: Buffer): Digest {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`
}
