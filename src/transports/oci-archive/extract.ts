/**
 * Extracts a tar (an OCI layout) into a folder, safely: entries with absolute names or `..` that
 * leave the folder are refused, and so are symlinks and hardlinks whose targets leave it.
 */
import { createReadStream } from 'node:fs'
import { link, lstat, mkdir, rm, symlink } from 'node:fs/promises'
import { dirname, isAbsolute, join, normalize, relative, resolve, sep } from 'node:path'
import { Readable } from 'node:stream'
import { extract, type Header } from 'tar-stream'
import { SkiffError, isNotFound } from '../../errors.js'
import { lexicallyInside } from '../dir/local-path.js'
import { BLOB_READ_CHUNK } from '../../util/io.js'
import { pipeToFile } from '../../util/file-sink.js'

function unsafe(image: string, detail: string): SkiffError {
  return new SkiffError('ERR_UNSAFE_PATH', `${image}: refusing to extract the archive: ${detail}`, { image })
}

/** The entry's path inside `root`, or an error if it would land outside. */
function entryPath(root: string, name: string, image: string): string | undefined {
  const n = name.replace(/\\/g, '/')
  if (n.startsWith('/') || isAbsolute(n)) throw unsafe(image, `entry "${name}" has an absolute path`)
  const clean = normalize(n).replace(/\/+$/, '')
  if (clean === '' || clean === '.') return undefined // the root itself
  if (clean === '..' || clean.startsWith('../')) throw unsafe(image, `entry "${name}" points outside the archive`)
  return join(root, clean)
}

/**
 * Creates the folders leading to `target`, refusing to go through a symlink (a chain of symlinks
 * that each look harmless could otherwise lead outside `root`).
 */
async function ensureParents(root: string, target: string, image: string, name: string, create = true): Promise<void> {
  const parts = relative(root, dirname(target))
    .split(sep)
    .filter((x) => x !== '')
  let cur = root
  for (const part of parts) {
    cur = join(cur, part)
    let st
    try {
      st = await lstat(cur)
    } catch (e) {
      if (!isNotFound(e) || !create) throw e
      await mkdir(cur)
      continue
    }
    if (st.isSymbolicLink())
      throw unsafe(image, `entry "${name}" would be written through the symlink "${relative(root, cur)}"`)
    if (!st.isDirectory())
      throw unsafe(image, `entry "${name}" is below "${relative(root, cur)}", which is not a directory`)
  }
}

/** Extracts the tar file at `tarPath` into the existing folder `root`. */
export async function extractTar(tarPath: string, root: string, image: string): Promise<void> {
  const ex = extract()
  const input = createReadStream(tarPath, { highWaterMark: BLOB_READ_CHUNK })
  input.on('error', (e) => ex.destroy(e))
  input.pipe(ex as unknown as NodeJS.WritableStream)
  for await (const entry of ex) {
    const h: Header = entry.header
    const target = entryPath(root, h.name, image)
    if (target === undefined) {
      entry.resume()
      continue
    }
    await ensureParents(root, target, image, h.name)
    if (h.type === 'directory') {
      const st = await lstat(target).catch(() => undefined)
      if (st?.isSymbolicLink()) throw unsafe(image, `directory entry "${h.name}" is already a symlink`)
      if (!st) await mkdir(target)
      entry.resume()
      continue
    }
    // A later entry with the same name replaces the earlier one (never writes through it).
    await rm(target, { force: true, recursive: true })
    switch (h.type) {
      case 'file':
      case 'contiguous-file':
      case undefined:
      case null:
        await pipeToFile(target, Readable.from(entry))
        continue
      case 'symlink': {
        const to = h.linkname ?? ''
        if (isAbsolute(to) || !lexicallyInside(root, resolve(dirname(target), to))) {
          throw unsafe(image, `symlink "${h.name}" -> "${to}" points outside the archive`)
        }
        await symlink(to, target)
        break
      }
      case 'link': {
        const to = entryPath(root, h.linkname ?? '', image)
        if (to === undefined) throw unsafe(image, `hardlink "${h.name}" points at the archive root`)
        // The link's source must be a regular file reached without following symlinks.
        await ensureParents(root, to, image, h.name, false)
        if (!(await lstat(to)).isFile())
          throw unsafe(image, `hardlink "${h.name}" -> "${h.linkname}" does not name a regular file in the archive`)
        await link(to, target)
        break
      }
      default:
        // devices, fifos: an OCI layout has none; skip them
        break
    }
    entry.resume()
  }
  input.destroy()
}
