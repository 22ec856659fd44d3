/** Helpers for the registries.conf tests: files in a temp dir, and skopeo's own reading of them (the oracle). */
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { run } from '../../helpers/tools.js'

export async function write(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  await writeFile(path, text)
}

/**
 * The references skopeo tries, in order, for `ref` with `--registries-conf conf` (from its
 * `Trying to access "…"` debug lines; endpoints in the tests refuse connections at once),
 * or the error when it refuses before any attempt (blocked registry, invalid configuration).
 */
export async function skopeoPullOrder(
  conf: string,
  ref: string,
  home: string,
): Promise<{ tried: string[]; error: string }> {
  const r = await run(
    'skopeo',
    ['--registries-conf', conf, '--debug', 'inspect', '--retry-times', '0', `docker://${ref}`],
    {
      env: { PATH: process.env.PATH, HOME: home },
    },
  )
  const tried = [...r.stderr.matchAll(/Trying to access \\"([^"\\]+)\\"/g)].map((m) => m[1]!)
  const fatal = /level=fatal msg="(.*)"/.exec(r.stderr)?.[1] ?? ''
  return { tried, error: fatal }
}
