/**
 * An in-memory ImageSource, for unit tests of the copy engine only (integration tests use real
 * stores). It serves the bytes it was given as they are — like every source, it never verifies —
 * and records what was read, so a test can tell "reused" from "streamed".
 */
import { Readable } from 'node:stream'
import { ImageNotFoundError } from '../../src/errors.js'
import type { Digest } from '../../src/digest/digest.js'
import type { ImageDestination, ImageReference, ImageSource, ImageTransport } from '../../src/transports/types.js'
import type { BlobInfo } from '../../src/manifest/types.js'
import { sha256, type BuiltImage } from './fixtures.js'

const fakeTransport: ImageTransport = {
  name: 'fake',
  parseReference: (details) => fakeReference(details),
  validatePolicyScope: () => undefined,
}

/** A reference named `fake:NAME`; it opens nothing (tests construct the fake ends themselves). */
export function fakeReference(name: string): ImageReference {
  return {
    transport: fakeTransport,
    stringWithinTransport: () => name,
    toString: () => `fake:${name}`,
    dockerReference: () => undefined,
    policyConfigurationIdentity: () => name,
    policyConfigurationNamespaces: () => [],
    newImageSource: () => Promise.reject(new Error('fake references open nothing')),
    newImageDestination: (): Promise<ImageDestination> => Promise.reject(new Error('fake references open nothing')),
  }
}

import type { Signature } from '../../src/signature/types.js'

export interface FakeManifest {
  bytes: Buffer
  mediaType: string
}

export interface FakeSourceOptions {
  name?: string
  /** The top-level manifest (an image or a list). */
  top: FakeManifest
  /** Child manifests of a list, by digest. */
  instances?: FakeManifest[]
  /** Blobs by content; served under sha256 of the bytes unless `corrupt` replaces them. */
  blobs: Buffer[]
  /** Blobs served with different bytes than their digest says (the engine must notice). */
  corrupt?: Map<string, Buffer>
  /** Blobs whose stream fails half-way (a dropped connection). */
  failing?: Set<string>
  /** Whether getBlob reports the size (-1 otherwise, as a chunked registry response). */
  reportSize?: boolean
  signatures?: Signature[]
}

export class FakeSource implements ImageSource {
  readonly reference: ImageReference
  /** Digests passed to getBlob, in order. */
  readonly reads: string[] = []
  /** Instance digests passed to getManifest (undefined: the top level). */
  readonly manifestReads: (string | undefined)[] = []
  closed = false
  private readonly blobs = new Map<string, Buffer>()
  private readonly instances = new Map<string, FakeManifest>()

  constructor(private readonly opts: FakeSourceOptions) {
    this.reference = fakeReference(opts.name ?? 'source')
    for (const b of opts.blobs) this.blobs.set(sha256(b), b)
    for (const m of opts.instances ?? []) this.instances.set(sha256(m.bytes), m)
  }

  /** A source holding one image built by test/helpers/fixtures.ts. */
  static of(img: BuiltImage, extra: Partial<FakeSourceOptions> = {}): FakeSource {
    return new FakeSource({
      top: { bytes: img.manifest, mediaType: img.mediaType },
      blobs: [img.config, ...img.layers.map((l) => l.bytes)],
      ...extra,
    })
  }

  async getManifest(instance?: Digest): Promise<{ bytes: Buffer; mediaType: string }> {
    this.manifestReads.push(instance)
    if (instance === undefined) return this.opts.top
    const m = this.instances.get(instance)
    if (!m) throw new ImageNotFoundError(`${this.reference.toString()}: no manifest ${instance}`)
    return m
  }

  async getBlob(info: BlobInfo): Promise<{ stream: Readable; size: number }> {
    this.reads.push(info.digest)
    const bytes = this.opts.corrupt?.get(info.digest) ?? this.blobs.get(info.digest)
    if (!bytes) throw new ImageNotFoundError(`${this.reference.toString()}: no blob ${info.digest}`)
    const size = this.opts.reportSize === false ? -1 : bytes.length
    if (this.opts.failing?.has(info.digest)) return { stream: failHalfway(bytes), size }
    return { stream: Readable.from([bytes]), size }
  }

  async getSignatures(): Promise<Signature[]> {
    return this.opts.signatures ?? []
  }

  async close(): Promise<void> {
    this.closed = true
  }
}

/** Sends half of `bytes`, then fails. */
export function failHalfway(bytes: Buffer): Readable {
  let sent = false
  return new Readable({
    read() {
      if (sent) {
        setImmediate(() => this.destroy(new Error('the source connection dropped')))
        return
      }
      sent = true
      this.push(bytes.subarray(0, Math.max(1, bytes.length >> 1)))
    },
  })
}

/** An OCI index (or Docker list) of `images` with the platforms given, as the bytes a registry serves. */
export function fakeIndex(
  images: { img: BuiltImage; platform: { os: string; architecture: string; variant?: string } }[],
  mediaType = 'application/vnd.oci.image.index.v1+json',
): FakeManifest {
  const index = {
    schemaVersion: 2,
    mediaType,
    manifests: images.map(({ img, platform }) => ({
      mediaType: img.mediaType,
      digest: img.manifestDigest,
      size: img.manifest.length,
      platform,
    })),
  }
  return { bytes: Buffer.from(JSON.stringify(index)), mediaType }
}
