/**
 * The transport registry: turns `transport:details` into an ImageReference.
 */
import { InvalidReferenceError, SkiffError } from '../errors.js'
import type { ImageReference, ImageTransport } from './types.js'
import { dirTransport } from './dir/transport.js'
import { ociLayoutTransport } from './oci-layout/transport.js'
import { ociArchiveTransport } from './oci-archive/transport.js'
import { dockerArchiveTransport } from './docker-archive/transport.js'
import { dockerTransport } from './docker/transport.js'
import { registryStorageTransport } from './registry-storage/transport.js'
import { bundleTransport } from './registry-storage-archive/transport.js'
import { dockerDaemonTransport } from './docker-daemon/transport.js'
import { sifTransport } from './sif/transport.js'
import { containersStorageTransport } from './containers-storage/transport.js'

const transports = new Map<string, ImageTransport>()

/** Transports skopeo knows that skiff does not implement yet: a clear error instead of "unknown". */
const PLANNED = new Set(['tarball', 'ostree'])

export function registerTransport(t: ImageTransport): void {
  transports.set(t.name, t)
}

for (const t of [
  dirTransport,
  ociLayoutTransport,
  ociArchiveTransport,
  dockerArchiveTransport,
  dockerTransport,
  dockerDaemonTransport,
  registryStorageTransport,
  bundleTransport,
  sifTransport,
  containersStorageTransport,
])
  registerTransport(t)

export function getTransport(name: string): ImageTransport | undefined {
  return transports.get(name)
}

export function listTransports(): string[] {
  return [...transports.keys()].sort()
}

/**
 * Parses an image name as skopeo does: `TRANSPORT:DETAILS`, e.g. `docker://busybox`,
 * `oci:/srv/layout:v1`, `dir:/tmp/img`.
 */
export function parseImageName(imageName: string): ImageReference {
  const i = imageName.indexOf(':')
  if (i <= 0) {
    throw new InvalidReferenceError(
      `invalid image name "${imageName}": expected TRANSPORT:DETAILS (e.g. docker://busybox:latest, oci:./layout:tag, dir:./folder); transports: ${listTransports().join(', ')}`,
    )
  }
  const name = imageName.slice(0, i)
  const details = imageName.slice(i + 1)
  const transport = transports.get(name)
  if (!transport) {
    if (PLANNED.has(name)) {
      throw new SkiffError(
        'ERR_UNKNOWN_TRANSPORT',
        `transport "${name}" (in "${imageName}") is not supported by this version of skiff yet`,
        { image: imageName },
      )
    }
    throw new SkiffError(
      'ERR_UNKNOWN_TRANSPORT',
      `invalid image name "${imageName}": unknown transport "${name}"; known transports: ${listTransports().join(', ')}`,
      { image: imageName },
    )
  }
  return transport.parseReference(details)
}
