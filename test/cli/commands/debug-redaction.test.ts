import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { startRegistry } from '../../helpers/registry/index.js'
import { smallImage, writeOciImage } from '../../helpers/fixtures.js'
import { withTempDir } from '../../helpers/tools.js'
import { skiff } from '../run-skiff.js'
import { isolatedEnv } from './registry-env.js'

test('--debug with token auth: registry requests are logged, tokens and passwords never', async () => {
  const PASSWORD = 'tok3n-Pass-91b'
  const reg = await startRegistry({ token: { users: { dave: PASSWORD } } })
  try {
    await withTempDir(async (dir) => {
      const { env } = await isolatedEnv(dir)
      const layout = join(dir, 'l')
      await writeOciImage(layout, 'v1', smallImage('debug-token'))
      const runs = [
        await skiff(['--debug', 'login', '--tls-verify=false', '-u', 'dave', '-p', PASSWORD, reg.host], { env }),
        await skiff(
          ['--debug', 'copy', '-q', '--dest-tls-verify=false', `oci:${layout}:v1`, `docker://${reg.host}/dbg/app:1`],
          { env },
        ),
        await skiff(
          ['--debug', 'list-tags', '--tls-verify=false', '--creds', `dave:${PASSWORD}`, `docker://${reg.host}/dbg/app`],
          { env },
        ),
      ]
      for (const r of runs) assert.equal(r.code, 0, r.stderr)
      const issued = reg.tokenServer!.requests().filter((r) => r.status === 200)
      assert.ok(issued.length >= 3, 'tokens were issued')
      const token = issued.at(-1)!.token!
      // a --registry-token is a secret too
      runs.push(
        await skiff(
          [
            '--debug',
            'inspect',
            '--raw',
            '--tls-verify=false',
            '--registry-token',
            token,
            `docker://${reg.host}/dbg/app:1`,
          ],
          { env },
        ),
      )
      assert.equal(runs[3]!.code, 0, runs[3]!.stderr)
      runs.push(
        await skiff(['--debug', 'login', '--tls-verify=false', '-u', 'dave', '-p', `${PASSWORD}x`, reg.host], { env }),
      )
      assert.equal(runs[4]!.code, 1)
      assert.match(runs[4]!.stderr, /invalid username\/password/)

      const secrets = [
        PASSWORD,
        Buffer.from(`dave:${PASSWORD}`).toString('base64'),
        ...issued.flatMap((r) => [r.token, r.refreshToken]).filter((s): s is string => !!s),
      ]
      for (const r of runs) {
        assert.match(r.stderr, /skiff: debug: registry: /)
        for (const s of secrets) assert.ok(!r.stderr.includes(s), `a secret (${s.slice(0, 6)}…) appeared on stderr`)
      }
      assert.match(runs[3]!.stderr, /"authorization":"Bearer <redacted>"/)
    })
  } finally {
    await reg.close()
  }
})
