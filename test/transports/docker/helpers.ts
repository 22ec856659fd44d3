/** Shared bits of the docker:// transport tests. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TransportOptions } from '../../../src/transports/types.js'

/** Isolates the blob-location cache ($XDG_CACHE_HOME/skiff) of this test process in a temp dir. */
export function isolateCache(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-cache-'))
  const before = process.env.XDG_CACHE_HOME
  process.env.XDG_CACHE_HOME = dir
  return () => {
    if (before === undefined) delete process.env.XDG_CACHE_HOME
    else process.env.XDG_CACHE_HOME = before
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Plain HTTP (as --tls-verify=false). */
export const insecure: TransportOptions = { registry: { tlsVerify: false } }
export const insecureCopy = { source: insecure, destination: insecure }
