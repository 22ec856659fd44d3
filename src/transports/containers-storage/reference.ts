/**
 * `containers-storage:[STORE]NAME[:TAG][@DIGEST][@ID]` / `containers-storage:[STORE]@ID` /
 * `containers-storage:ID-PREFIX`, parsed as containers/image 5.23's ParseStoreReference. Names are
 * normalized (docker.io/library/…, `:latest` added). A truncated image ID (≥ 3 hex digits) is
 * expanded against the store when the image is opened (skopeo does it while parsing; the store is
 * only asked when it is used here, so parsing never starts a program).
 */
import { ImageNotFoundError, InvalidReferenceError } from '../../errors.js'
import { isValidDigest } from '../../digest/digest.js'
import { parseDockerReferenceWithDefaultTag, type DockerReference } from '../../reference/docker-reference.js'
import type { ImageDestination, ImageSource, ImageTransport, TransportOptions } from '../types.js'
import { storePolicyString, storeString, type Store } from './store-spec.js'
import type { ImageRecord, StorageRef } from './types.js'

export const TRANSPORT_NAME = 'containers-storage'

const FULL_ID = /^[a-f0-9]{64}$/
const MIN_TRUNCATED_ID = 3

export class ContainersStorageReference implements StorageRef {
  constructor(
    readonly transport: ImageTransport,
    readonly store: Store,
    /** Tagged and/or digested, never name-only. */
    readonly named: DockerReference | undefined,
    /** A full image ID. */
    readonly id: string | undefined,
    /**
     * A hex string that may be a truncated image ID: `@abc123` (must be one) or a bare `abc123`
     * (an ID prefix if an image has one, else the name `docker.io/library/abc123:latest`).
     */
    readonly idPrefix?: { value: string; required: boolean },
  ) {}

  stringWithinTransport(): string {
    let s = storeString(this.store)
    if (this.named) s += this.named.toString()
    if (this.id) s += `@${this.id}`
    else if (this.idPrefix?.required) s += `@${this.idPrefix.value}`
    return s
  }

  toString(): string {
    return `${TRANSPORT_NAME}:${this.stringWithinTransport()}`
  }

  dockerReference(): DockerReference | undefined {
    return this.named
  }

  policyConfigurationIdentity(): string {
    let s = storePolicyString(this.store)
    if (this.named) s += this.named.toString()
    if (this.id) s += `@${this.id}`
    return s
  }

  policyConfigurationNamespaces(): string[] {
    const storeSpec = storePolicyString(this.store)
    const out: string[] = []
    if (this.named) {
      if (this.id) out.push(storeSpec + this.named.toString())
      if (this.named.tag !== undefined && this.named.digest !== undefined)
        out.push(`${storeSpec}${this.named.name}:${this.named.tag}`)
      const parts = this.named.name.split('/')
      for (let n = parts.length; n > 0; n--) out.push(storeSpec + parts.slice(0, n).join('/'))
    }
    out.push(storeSpec, `[${this.store.graphRoot}]`)
    return out
  }

  async newImageSource(opts: TransportOptions = {}): Promise<ImageSource> {
    const { openStorageSource } = await import('./source.js')
    return openStorageSource(this, opts)
  }

  async newImageDestination(opts: TransportOptions = {}): Promise<ImageDestination> {
    const { openStorageDestination } = await import('./destination.js')
    return openStorageDestination(this, opts)
  }

  async deleteImage(opts: TransportOptions = {}): Promise<void> {
    const { deleteStorageImage } = await import('./delete.js')
    return deleteStorageImage(this, opts)
  }

  /** The reference with a truncated ID expanded against the store's images (a copy; this one stays). */
  expand(images: ImageRecord[]): ContainersStorageReference {
    const p = this.idPrefix
    if (!p) return this
    const matches = p.value.length >= MIN_TRUNCATED_ID ? images.filter((i) => i.id.startsWith(p.value)) : []
    if (matches.length === 1)
      return new ContainersStorageReference(this.transport, this.store, this.named, matches[0]!.id)
    if (p.required)
      throw new ImageNotFoundError(
        `${this.toString()}: "${p.value}" does not look like an image ID or digest: invalid reference (no image ID in the store starts with it)`,
        { image: this.toString() },
      )
    return new ContainersStorageReference(
      this.transport,
      this.store,
      this.named ?? parseDockerReferenceWithDefaultTag(p.value),
      undefined,
    )
  }
}

function invalid(details: string, why: string): InvalidReferenceError {
  return new InvalidReferenceError(`invalid image name "${TRANSPORT_NAME}:${details}": ${why}`, {
    image: `${TRANSPORT_NAME}:${details}`,
  })
}

/** ParseStoreReference: what follows the store specifier. */
export function parseImagePart(
  transport: ImageTransport,
  store: Store,
  details: string,
  rest: string,
): ContainersStorageReference {
  if (rest === '') throw invalid(details, `"" is an empty reference: invalid reference`)
  let ref = rest
  let id: string | undefined
  let idPrefix: { value: string; required: boolean } | undefined
  const split = ref.lastIndexOf('@')
  if (split !== -1) {
    const possible = ref.slice(split + 1)
    if (possible === '') throw invalid(details, `empty trailing digest or ID in "${rest}": invalid reference`)
    if (!isValidDigest(possible)) {
      if (FULL_ID.test(possible)) id = possible
      else if (possible.length >= MIN_TRUNCATED_ID && /^[a-f0-9]+$/.test(possible))
        idPrefix = { value: possible, required: true }
      else throw invalid(details, `"${possible}" does not look like an image ID or digest: invalid reference`)
      ref = ref.slice(0, split)
    }
  }
  if (id === undefined && idPrefix === undefined && ref.length >= MIN_TRUNCATED_ID && !/[@:]/.test(ref)) {
    if (/^[a-f0-9]+$/.test(ref)) {
      idPrefix = { value: ref, required: false }
      ref = ''
    }
  }
  let named: DockerReference | undefined
  if (ref !== '') {
    try {
      named = parseDockerReferenceWithDefaultTag(ref)
    } catch (e) {
      throw invalid(details, `parsing named reference "${ref}": ${(e as Error).message}`)
    }
  }
  return new ContainersStorageReference(transport, store, named, id, idPrefix)
}
