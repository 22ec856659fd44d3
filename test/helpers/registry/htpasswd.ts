/** htpasswd files distribution's auth.htpasswd accepts: bcrypt only, written with the $2y$ prefix. */
import bcrypt from 'bcryptjs'
import { writeFile } from 'node:fs/promises'

/** Writes `user:hash` lines (bcrypt cost 4: the minimum, so each authenticated request stays fast). */
export async function writeHtpasswd(path: string, users: Record<string, string>): Promise<void> {
  const lines = Object.entries(users).map(([user, password]) => {
    if (user.includes(':')) throw new Error(`htpasswd user names cannot contain ':' (${user})`)
    return `${user}:${bcrypt.hashSync(password, 4).replace(/^\$2[ab]\$/, '$2y$')}`
  })
  await writeFile(path, lines.join('\n') + '\n', { mode: 0o600 })
}
