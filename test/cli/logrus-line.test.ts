import { test } from 'node:test'
import assert from 'node:assert/strict'
import { logrusLine, rfc3339 } from '../../src/cli/logrus-line.js'

test("logrusLine: logrus's TextFormatter without a terminal: time, level, msg, then fields sorted, quoted as Go's %q when needed", () => {
  const t = new Date('2026-12-02T11:17:03.456Z')
  const line = logrusLine(
    'info',
    'Would have copied image ref 1/7',
    { to: 'dir:d1/app:beta', from: 'docker://127.0.0.1:5931/src/app:beta' },
    t,
  )
  assert.match(
    line,
    /^time="[^"]+" level=info msg="Would have copied image ref 1\/7" from="docker:\/\/127\.0\.0\.1:5931\/src\/app:beta" to="dir:d1\/app:beta"$/,
  )
  // plain words are not quoted (logrus's needsQuoting); quotes and backslashes are escaped
  assert.match(
    logrusLine('info', 'Processing', { repo: 'src/app', registry: 'x.io' }, t),
    /level=info msg=Processing registry=x\.io repo=src\/app$/,
  )
  assert.match(logrusLine('error', 'say "hi" \\ \n'), /msg="say \\"hi\\" \\\\ \\n"$/)
  assert.match(
    logrusLine('warning', 'Running in dry-run mode'),
    /^time="[^"]+" level=warning msg="Running in dry-run mode"$/,
  )
})

test('rfc3339: Go time.RFC3339 in local time (Z for UTC)', () => {
  const d = new Date('2026-12-02T11:17:03.999Z')
  const s = rfc3339(d)
  assert.match(s, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/)
  if (d.getTimezoneOffset() === 0) assert.equal(s, '2026-12-02T11:17:03Z')
})
