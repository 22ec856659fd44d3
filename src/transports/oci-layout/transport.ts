/**
 * `oci:PATH[:REF]` — an OCI image layout. As skopeo on Linux, the path ends at the first ':'; what
 * follows is a ref name (org.opencontainers.image.ref.name) or `@N`, the N-th entry of index.json.
 */
import { InvalidReferenceError } from '../../errors.js'
import type {
  ImageDestination,
  ImageReference,
  ImageSource,
  ImageTransport,
  StoredManifest,
  StoredManifestQuery,
  TransportOptions,
} from '../types.js'
import { localStoredManifest } from '../shared/local-stored-manifest.js'
import { resolveExplicitPath, selfAndParentNamespaces, validateLocalPolicyScope } from '../dir/local-path.js'
import { isValidRefName } from './layout.js'
import { OciImageDestination } from './destination.js'
import { OciImageSource, type OciSelector } from './source.js'

/** Splits `PATH[:REF]` and validates REF; shared with oci-archive. */
export function parseLayoutDetails(transport: string, details: string): { path: string; sel: OciSelector } {
  const i = details.indexOf(':')
  const path = i < 0 ? details : details.slice(0, i)
  const ref = i < 0 ? '' : details.slice(i + 1)
  if (path === '') {
    throw new InvalidReferenceError(
      `invalid image name "${transport}:${details}": a path is required, e.g. ${transport}:./layout:tag`,
    )
  }
  if (ref.startsWith('@')) {
    const n = ref.slice(1)
    if (!/^[0-9]{1,9}$/.test(n)) {
      throw new InvalidReferenceError(
        `invalid image name "${transport}:${details}": "${ref}" is not @N with N a position in index.json (0, 1, …)`,
      )
    }
    return { path, sel: { refName: '', sourceIndex: Number(n) } }
  }
  if (ref !== '' && !isValidRefName(ref)) {
    throw new InvalidReferenceError(
      `invalid image name "${transport}:${details}": "${ref}" is not a valid OCI ref name (letters, digits and . _ - : @ + between them, components separated by /)`,
    )
  }
  return { path, sel: { refName: ref, sourceIndex: -1 } }
}

export function formatLayoutDetails(path: string, sel: OciSelector): string {
  if (sel.sourceIndex >= 0) return `${path}:@${sel.sourceIndex}`
  return sel.refName === '' ? path : `${path}:${sel.refName}`
}

export class OciLayoutReference implements ImageReference {
  readonly transport: ImageTransport = ociLayoutTransport
  readonly resolvedDir: string

  constructor(
    readonly dir: string,
    readonly sel: OciSelector,
  ) {
    this.resolvedDir = resolveExplicitPath(dir)
  }

  stringWithinTransport(): string {
    return formatLayoutDetails(this.dir, this.sel)
  }

  toString(): string {
    return `oci:${this.stringWithinTransport()}`
  }

  dockerReference(): undefined {
    return undefined
  }

  /** As skopeo: the layout folder; the ref name is not part of the identity ("dir:ref" and "dir:" may be the same image). */
  policyConfigurationIdentity(): string {
    return this.resolvedDir
  }

  policyConfigurationNamespaces(): string[] {
    return selfAndParentNamespaces(this.resolvedDir)
  }

  newImageSource(opts?: TransportOptions): Promise<ImageSource> {
    return OciImageSource.open(this, this.resolvedDir, this.sel, opts)
  }

  newImageDestination(opts?: TransportOptions): Promise<ImageDestination> {
    return OciImageDestination.open(this, this.resolvedDir, this.sel, opts)
  }

  /** A file read: the manifest stored under this name (with `complete`, every blob checked). */
  storedManifest(opts: TransportOptions | undefined, query: StoredManifestQuery): Promise<StoredManifest | undefined> {
    return localStoredManifest(this, opts, query)
  }
}

export const ociLayoutTransport: ImageTransport = {
  name: 'oci',
  parseReference(details: string): ImageReference {
    const { path, sel } = parseLayoutDetails('oci', details)
    return new OciLayoutReference(path, sel)
  },
  validatePolicyScope(scope: string): void {
    validateLocalPolicyScope('oci', scope)
  },
}
