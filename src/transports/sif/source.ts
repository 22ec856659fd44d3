/**
 * An ImageSource over a SIF file: the squashfs root file system becomes one uncompressed OCI layer
 * and the config is generated as containers/image's sif transport generates it (created = the
 * SIF's modification time, the SIF's architecture, os linux, Cmd from the definition file, two
 * history entries). The conversion runs once, when the source is opened, in a temp directory under
 * --tmpdir that close() (or process exit, or Ctrl-C) removes.
 */
import { createReadStream } from 'node:fs'
import { mkdtemp, open, rm, stat } from 'node:fs/promises'
import { tmpdir as osTmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { ImageNotFoundError, SkiffError, isNotFound } from '../../errors.js'
import { digestOf, type Digest } from '../../digest/digest.js'
import { MT } from '../../manifest/media-types.js'
import { registerTempPath, unregisterTempPath } from '../../util/cleanup.js'
import { goMarshal } from '../../go/json.js'
import { BLOB_READ_CHUNK } from '../../util/io.js'
import type { ImageReference, ImageSource, TransportOptions } from '../types.js'
import type { BlobInfo } from '../../manifest/types.js'
import { convertSquashfs, type ConvertedLayer } from './convert.js'
import { commandFromDefFile } from './deffile.js'
import { deffileDescriptor, primaryPartition, readSifHeader } from './sif-file.js'
import type { Signature } from '../../signature/types.js'

/** A definition file is a short text; anything larger is refused rather than read into memory. */
const MAX_DEFFILE = 4 << 20

function pad(n: number, w = 2): string {
  return String(Math.trunc(Math.abs(n))).padStart(w, '0')
}

/**
 * `time.Unix(s, 0)` marshalled by Go (RFC 3339 in the local time zone, "Z" for UTC), as skopeo
 * writes the SIF's time into the config.
 */
export function goLocalTime(seconds: number): string {
  const d = new Date(seconds * 1000)
  const off = -d.getTimezoneOffset()
  const zone = off === 0 ? 'Z' : `${off < 0 ? '-' : '+'}${pad(off / 60)}:${pad(off % 60)}`
  const local = new Date(d.getTime() + off * 60_000)
  const year = local.getUTCFullYear()
  return `${pad(year, 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}${zone}`
}

export class SifImageSource implements ImageSource {
  private closed = false

  private constructor(
    readonly reference: ImageReference,
    private readonly workDir: string,
    private readonly layer: ConvertedLayer,
    private readonly config: Buffer,
    private readonly configDigest: Digest,
    private readonly manifest: Buffer,
  ) {}

  private get image(): string {
    return this.reference.toString()
  }

  static async open(reference: ImageReference, path: string, opts: TransportOptions): Promise<SifImageSource> {
    const image = reference.toString()
    let fh
    try {
      fh = await open(path, 'r')
    } catch (e) {
      if (isNotFound(e))
        throw new ImageNotFoundError(`${image}: SIF file "${path}" does not exist`, { image, cause: e })
      throw new SkiffError('ERR_IO', `${image}: cannot read "${path}": ${(e as Error).message}`, { image, cause: e })
    }
    let header
    let deffile: string | undefined
    try {
      const st = await fh.stat()
      if (st.isDirectory())
        throw new SkiffError('ERR_INVALID_ARGUMENT', `${image}: "${path}" is a directory, not a SIF file`, { image })
      if (!st.isFile())
        throw new SkiffError(
          'ERR_INVALID_ARGUMENT',
          `${image}: "${path}" is not a regular file; sif: needs a .sif file it can read at random`,
          { image },
        )
      header = await readSifHeader(fh, st.size, image)
      primaryPartition(header, image)
      const def = deffileDescriptor(header)
      if (def) {
        if (def.size > MAX_DEFFILE)
          throw new SkiffError(
            'ERR_INVALID_LAYOUT',
            `${image}: the SIF definition file is ${def.size} bytes, more than ${MAX_DEFFILE}`,
            { image },
          )
        const buf = Buffer.alloc(def.size)
        const { bytesRead } = await fh.read(buf, 0, def.size, def.offset)
        deffile = buf.subarray(0, bytesRead).toString('utf8')
      }
    } finally {
      await fh.close()
    }
    const { command, script } = commandFromDefFile(deffile)

    const workDir = await mkdtemp(join(opts.tmpdir ?? osTmpdir(), `skiff-sif-${process.pid}-`))
    registerTempPath(workDir)
    try {
      const layer = await convertSquashfs({
        sifPath: path,
        partition: primaryPartition(header, image),
        script,
        scriptTime: header.modifiedAt,
        workDir,
        image,
        signal: opts.signal,
      })
      const created = goLocalTime(header.modifiedAt)
      const config = Buffer.from(
        goMarshal({
          created,
          architecture: header.arch,
          os: 'linux',
          config: { Cmd: [command] },
          rootfs: { type: 'layers', diff_ids: [layer.digest] },
          history: [
            {
              created,
              created_by: `/bin/sh -c #(nop) ADD file:${layer.digest.slice('sha256:'.length)} in /`,
              comment: `imported from SIF, uuid: ${header.id}`,
            },
            // containers/image writes this CMD entry whatever the command is.
            { created, created_by: '/bin/sh -c #(nop) CMD ["bash"]', empty_layer: true },
          ],
        }),
      )
      const configDigest = digestOf(config)
      const manifest = Buffer.from(
        goMarshal({
          schemaVersion: 2,
          mediaType: MT.OCI_MANIFEST,
          config: { mediaType: MT.OCI_CONFIG, digest: configDigest, size: config.length },
          layers: [{ mediaType: MT.OCI_LAYER_TAR, digest: layer.digest, size: layer.size }],
        }),
      )
      return new SifImageSource(reference, workDir, layer, config, configDigest, manifest)
    } catch (e) {
      await rm(workDir, { recursive: true, force: true })
      unregisterTempPath(workDir)
      if ((e as Error).name === 'AbortError')
        throw new SkiffError('ERR_ABORTED', `${image}: converting the SIF image was aborted`, { image, cause: e })
      if (e instanceof SkiffError) throw e
      throw new SkiffError('ERR_IO', `${image}: converting the SIF image: ${(e as Error).message}`, { image, cause: e })
    }
  }

  async getManifest(instance?: Digest): Promise<{ bytes: Buffer; mediaType: string }> {
    if (instance !== undefined) {
      throw new SkiffError(
        'ERR_UNSUPPORTED',
        `${this.image}: SIF images hold a single image, not a list; there is no instance ${instance}`,
        { image: this.image },
      )
    }
    return { bytes: this.manifest, mediaType: MT.OCI_MANIFEST }
  }

  async getBlob(info: BlobInfo, opts: { signal?: AbortSignal } = {}): Promise<{ stream: Readable; size: number }> {
    this.checkOpen()
    if (info.digest === this.configDigest) return { stream: Readable.from([this.config]), size: this.config.length }
    if (info.digest === this.layer.digest) {
      await stat(this.layer.path)
      return {
        stream: createReadStream(this.layer.path, {
          highWaterMark: BLOB_READ_CHUNK,
          ...(opts.signal ? { signal: opts.signal } : {}),
        }),
        size: this.layer.size,
      }
    }
    throw new ImageNotFoundError(`${this.image}: no blob ${info.digest} in this SIF image`, { image: this.image })
  }

  async getSignatures(): Promise<Signature[]> {
    return []
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await rm(this.workDir, { recursive: true, force: true })
    unregisterTempPath(this.workDir)
  }

  private checkOpen(): void {
    if (this.closed)
      throw new SkiffError('ERR_INVALID_ARGUMENT', `${this.image}: the source was already closed`, {
        image: this.image,
      })
  }
}
