/**
 * `oci-archive:PATH[:REF]` — a tar of an OCI image layout; composes the oci layout transport.
 */
import type { ImageDestination, ImageReference, ImageSource, ImageTransport, TransportOptions } from '../types.js'
import { resolve } from 'node:path'
import { resolveExplicitPath, selfAndParentNamespaces, validateLocalPolicyScope } from '../dir/local-path.js'
import type { OciSelector } from '../oci-layout/source.js'
import { formatLayoutDetails, parseLayoutDetails } from '../oci-layout/transport.js'
import { OciArchiveImageDestination } from './destination.js'
import { OciArchiveImageSource } from './source.js'

export class OciArchiveReference implements ImageReference {
  readonly transport: ImageTransport = ociArchiveTransport
  readonly resolvedFile: string

  constructor(
    readonly file: string,
    readonly sel: OciSelector,
  ) {
    this.resolvedFile = resolveExplicitPath(file)
  }

  stringWithinTransport(): string {
    return formatLayoutDetails(this.file, this.sel)
  }

  toString(): string {
    return `oci-archive:${this.stringWithinTransport()}`
  }

  dockerReference(): undefined {
    return undefined
  }

  /** As skopeo: the archive file; the ref name is not part of the identity. */
  policyConfigurationIdentity(): string {
    return this.resolvedFile
  }

  policyConfigurationNamespaces(): string[] {
    return selfAndParentNamespaces(this.resolvedFile)
  }

  newImageSource(opts?: TransportOptions): Promise<ImageSource> {
    return OciArchiveImageSource.open(this, this.resolvedFile, this.sel, opts)
  }

  newImageDestination(opts?: TransportOptions): Promise<ImageDestination> {
    // The path as given: util/output.ts follows its symlinks itself and must see `/dev/stdout` →
    // `/proc/self/fd/1` (resolving it to `/proc/PID/fd/pipe:[N]` would lose the descriptor).
    return OciArchiveImageDestination.open(this, resolve(this.file), this.sel, opts)
  }
}

export const ociArchiveTransport: ImageTransport = {
  name: 'oci-archive',
  parseReference(details: string): ImageReference {
    const { path, sel } = parseLayoutDetails('oci-archive', details)
    return new OciArchiveReference(path, sel)
  },
  validatePolicyScope(scope: string): void {
    validateLocalPolicyScope('oci-archive', scope)
  },
}
