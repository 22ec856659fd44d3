/** Helpers for tests that drive the library (copyImage) on real transports. */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { PolicyContext } from '../../src/policy/types.js'
import { insecureAcceptAnythingPolicy } from '../../src/policy/context.js'
import { copyImage } from '../../src/copy/copy.js'
import type { CopyOptions, CopyResult } from '../../src/copy/options.js'

/** Accepts every image: what --insecure-policy does (the policy tests live in test/config/). */
export const acceptAnything: PolicyContext = insecureAcceptAnythingPolicy()

export function copy(src: string, dest: string, opts: Partial<CopyOptions> = {}): Promise<CopyResult> {
  return copyImage(src, dest, { policy: acceptAnything, ...opts })
}

export async function readJson(path: string): Promise<any> {
  return JSON.parse(await readFile(path, 'utf8'))
}

export function blobPath(layout: string, digest: string): string {
  return join(layout, 'blobs', 'sha256', digest.slice('sha256:'.length))
}
