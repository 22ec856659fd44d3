/**
 * Local-path helpers shared by the filesystem transports (dir, oci, oci-archive): explicit paths
 * for policy identities, policy scope validation, and "does this file stay inside that folder"
 * checks that resolve symlinks.
 */
import { realpathSync } from 'node:fs'
import { realpath, rmdir } from 'node:fs/promises'
import { basename, dirname, isAbsolute, join, normalize, resolve, sep } from 'node:path'
import { InvalidReferenceError, SkiffError, isNotFound } from '../../errors.js'

/**
 * The absolute, cleaned path with symlinks resolved in the part that exists (containers/image's
 * ResolvePathToFullyExplicit, lenient about missing parents): the identity used for policy.
 */
export function resolveExplicitPath(p: string): string {
  const abs = resolve(p)
  const missing: string[] = []
  let cur = abs
  for (;;) {
    try {
      const real = realpathSync(cur)
      return missing.length ? join(real, ...missing.reverse()) : real
    } catch (e) {
      if (!isNotFound(e)) return abs
      const parent = dirname(cur)
      if (parent === cur) return abs
      missing.push(basename(cur))
      cur = parent
    }
  }
}

/**
 * policy.json scopes for local paths: absolute, canonical (no `.`/`..`/`//`/trailing `/`), not `/`
 * (containers/image's rule: `/` would shadow the "" default).
 */
export function validateLocalPolicyScope(transport: string, scope: string): void {
  if (!scope.startsWith('/')) {
    throw new InvalidReferenceError(
      `invalid policy scope "${scope}" for transport ${transport}: it must be an absolute path`,
    )
  }
  if (scope === '/') {
    throw new InvalidReferenceError(
      `invalid policy scope "/" for transport ${transport}: use the default scope "" instead`,
    )
  }
  const cleaned = normalize(scope).replace(/\/+$/, '')
  if (cleaned !== scope) {
    throw new InvalidReferenceError(
      `invalid policy scope "${scope}" for transport ${transport}: not a canonical path, use "${cleaned}"`,
    )
  }
}

/** The parent directories of an absolute path, nearest first, without `/` (dir transport). */
export function parentNamespaces(path: string): string[] {
  const out: string[] = []
  let p = path
  for (;;) {
    const i = p.lastIndexOf('/')
    if (i <= 0) break
    p = p.slice(0, i)
    out.push(p)
  }
  return out
}

/** The path itself, then its parents, without `/` (oci and oci-archive transports). */
export function selfAndParentNamespaces(path: string): string[] {
  return path === '/' ? [] : [path, ...parentNamespaces(path)]
}

function isWithin(root: string, p: string): boolean {
  return p === root || p.startsWith(root.endsWith(sep) ? root : root + sep)
}

/**
 * Resolves `p` (which must exist) and checks that, after following symlinks, it is still inside
 * `root`. Returns the real path. ENOENT is passed through for the caller to translate.
 */
export async function realPathInside(root: string, p: string, image: string): Promise<string> {
  const realRoot = await realpath(root)
  const real = await realpath(p)
  if (!isWithin(realRoot, real)) {
    throw new SkiffError(
      'ERR_UNSAFE_PATH',
      `${image}: ${p} resolves to ${real}, outside ${root}; refusing to follow a symlink that leaves the image folder`,
      { image },
    )
  }
  return real
}

/** Whether a path names something lexically inside root (no symlink resolution). */
export function lexicallyInside(root: string, p: string): boolean {
  const r = resolve(root)
  const abs = isAbsolute(p) ? normalize(p) : resolve(r, p)
  return isWithin(r, abs)
}

/** Removes `from` and its parents up to and including `upTo`, stopping at the first that is not empty. */
export async function removeEmptyDirs(from: string, upTo: string): Promise<void> {
  if (!isWithin(upTo, from)) return
  let p = from
  for (;;) {
    try {
      await rmdir(p)
    } catch {
      return
    }
    if (p === upTo || dirname(p) === p) return
    p = dirname(p)
  }
}
