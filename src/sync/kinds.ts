/** The `--src` / `--dest` kinds and their combinations (no heavy imports: the CLI tables load this). */
import { SkiffError } from '../errors.js'
import type { SyncDestKind, SyncSourceKind } from './types.js'

export const SOURCE_KINDS: readonly SyncSourceKind[] = [
  'docker',
  'dir',
  'yaml',
  'oci',
  'list',
  'registry-storage',
  'registry-storage-archive',
]
export const DEST_KINDS: readonly SyncDestKind[] = [
  'docker',
  'dir',
  'oci',
  'registry-storage',
  'registry-storage-archive',
]

export function validateSyncKinds(src: string, dest: string): void {
  if (!src) throw new SkiffError('ERR_INVALID_ARGUMENT', 'A source transport must be specified')
  if (!(SOURCE_KINDS as readonly string[]).includes(src))
    throw new SkiffError(
      'ERR_INVALID_ARGUMENT',
      `"${src}" is not a valid source transport (use ${SOURCE_KINDS.join(', ')})`,
    )
  if (!dest) throw new SkiffError('ERR_INVALID_ARGUMENT', 'A destination transport must be specified')
  if (!(DEST_KINDS as readonly string[]).includes(dest))
    throw new SkiffError(
      'ERR_INVALID_ARGUMENT',
      `"${dest}" is not a valid destination transport (use ${DEST_KINDS.join(', ')})`,
    )
  if (dest === 'registry-storage-archive' && src !== 'registry-storage')
    throw new SkiffError(
      'ERR_UNSUPPORTED',
      `a release bundle (--dest registry-storage-archive) is written from a registry store (--src registry-storage); sync --src ${src} into a store first, or write one image with: skiff copy SOURCE-IMAGE registry-storage-archive:OUT.tar:NAME:TAG`,
    )
  if (src === 'dir' && dest === 'dir')
    throw new SkiffError('ERR_UNSUPPORTED', "sync from 'dir' to 'dir' not implemented, consider using rsync instead")
}
