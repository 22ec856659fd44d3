/** A temporary GnuPG home with RSA keys made as skopeo's own tests make them (gpg --batch --gen-key). */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { run, requireTool } from './tools.js'

export interface GpgHome {
  dir: string
  /** process.env with GNUPGHOME set. */
  env: NodeJS.ProcessEnv
  /** Primary key fingerprints, in the order the keys were asked for. */
  fingerprints: string[]
  /** `gpg --export FPR` (binary) of each key. */
  publicKeyFiles: string[]
  close(): Promise<void>
}

/** Generates RSA 2048 signing keys; `passphrases[i]` protects key i ('' = none). */
export async function makeGpgHome(passphrases: string[]): Promise<GpgHome> {
  requireTool('gpg')
  const dir = await mkdtemp(join(tmpdir(), 'skiff-gpg-'))
  const env = { ...process.env, GNUPGHOME: dir }
  const fingerprints: string[] = []
  const publicKeyFiles: string[] = []
  for (const [i, pass] of passphrases.entries()) {
    const params = join(dir, `key${i}.params`)
    await writeFile(
      params,
      [
        'Key-Type: RSA',
        'Key-Length: 2048',
        'Key-Usage: sign',
        `Name-Real: skiff test ${i}`,
        `Name-Email: key${i}@example.com`,
        pass ? `Passphrase: ${pass}` : '%no-protection',
        '%commit',
        '',
      ].join('\n'),
    )
    const g = await run('gpg', ['--batch', '--gen-key', params], { env })
    if (g.code !== 0) throw new Error(`gpg --gen-key: ${g.stderr}`)
    const list = await run('gpg', ['--batch', '--with-colons', '--list-keys', `key${i}@example.com`], { env })
    const fpr = list.stdout
      .split('\n')
      .find((l) => l.startsWith('fpr:'))!
      .split(':')[9]!
    fingerprints.push(fpr)
    const pub = join(dir, `key${i}.gpg`)
    const e = await run('gpg', ['--batch', '--output', pub, '--export', fpr], { env })
    if (e.code !== 0) throw new Error(`gpg --export: ${e.stderr}`)
    publicKeyFiles.push(pub)
  }
  return {
    dir,
    env,
    fingerprints,
    publicKeyFiles,
    close: async () => {
      await run('gpgconf', ['--kill', 'gpg-agent'], { env })
      await rm(dir, { recursive: true, force: true })
    },
  }
}
