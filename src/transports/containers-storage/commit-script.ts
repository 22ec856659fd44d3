/**
 * The last step of writing an image: the image record, its big-data items (manifest, config,
 * signatures), its metadata and then its name — several `containers-storage` calls, since the
 * program has no single "create an image with its data" command.
 *
 * An image record without its manifest makes `podman images` fail for the whole store ("locating
 * item named "manifest" … consider removing the image"), so these calls must never stop half way.
 * They run as ONE shell script in its own session (detached): if skiff is killed (kill -9, Ctrl-C)
 * the script still finishes, and the image is complete or, if a step fails, removed again by the
 * script itself. The name is added last, so a name never points at an unfinished image. Output goes
 * to a log file, not a pipe, so skiff's death cannot break the script with SIGPIPE.
 */
import { spawn } from 'node:child_process'
import { open, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { SkiffError } from '../../errors.js'
import { PROGRAM, cleanDetail, storeArgs } from './cli.js'
import type { Store } from './store-spec.js'

export interface BigDataItem {
  key: string
  file: string
}

export interface CommitPlan {
  store: Store
  id: string
  topLayer: string
  metadata: string
  /** In the order they are written: the manifest first (what podman reads first). */
  bigData: BigDataItem[]
  names: string[]
  /** Folder for the script's log. */
  dir: string
  image: string
}

/** A word for sh: single-quoted. */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`
}

export function commitScript(p: CommitPlan): string {
  const cs = [PROGRAM, ...storeArgs(p.store)].map(shQuote).join(' ')
  const id = shQuote(p.id)
  const lines = [
    'set -u',
    `cs() { ${cs} "$@"; }`,
    'created=0',
    `fail() { echo "$1" >&2; if [ "$created" = 1 ]; then cs delete-image ${id} >/dev/null 2>&1; fi; exit 1; }`,
    `if out=$(cs create-image --id ${id} --metadata ${shQuote(p.metadata)} ${shQuote(p.topLayer)} 2>&1); then created=1`,
    `elif cs exists --image --quiet ${id} >/dev/null 2>&1; then cs set-metadata --metadata ${shQuote(p.metadata)} ${id} || fail "set-metadata failed"`,
    `else echo "create-image: $out" >&2; exit 1; fi`,
  ]
  for (const b of p.bigData)
    lines.push(
      `out=$(cs set-image-data --file ${shQuote(b.file)} ${id} ${shQuote(b.key)} 2>&1) || fail "set-image-data ${b.key.replace(/["$`\\]/g, '')}: $out"`,
    )
  for (const n of p.names) lines.push(`out=$(cs add-names --name ${shQuote(n)} ${id} 2>&1) || fail "add-names: $out"`)
  lines.push('exit 0')
  return lines.join('\n') + '\n'
}

/** Runs the commit script detached and waits for it; rejects with its message when it failed. */
export async function runCommit(p: CommitPlan): Promise<void> {
  const logPath = join(p.dir, 'commit.log')
  const log = await open(logPath, 'w')
  let code: number | null
  let signal: NodeJS.Signals | null
  try {
    const child = spawn('sh', ['-c', commitScript(p)], { detached: true, stdio: ['ignore', log.fd, log.fd] })
    ;[code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolvePromise, reject) => {
      child.on('error', reject)
      child.on('exit', (c, s) => resolvePromise([c, s]))
    })
  } finally {
    await log.close()
  }
  if (code === 0) return
  const text = await readFile(logPath, 'utf8').catch(() => '')
  const detail = cleanDetail(text)
  throw new SkiffError(
    'ERR_IO',
    `${p.image}: storing the image in the store failed${signal ? ` (killed by ${signal})` : ''}${detail ? `: ${detail}` : ''}`,
    { image: p.image },
  )
}
