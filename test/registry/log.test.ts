import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { debugLogTo, redact } from '../../src/registry/log.js'

describe('redact', () => {
  it('removes Authorization values, JSON secrets, URL user info and secret query parameters', () => {
    const line = redact(
      '> GET http://u:pw@h/v2/?access_token=AAA&n=1 {"authorization":"Bearer eyJ.x.y","Proxy-Authorization":"Basic Zm9v"} {"token":"T","password":"P","identitytoken":"I"} Authorization: Basic YWI=',
    )
    for (const secret of ['pw', 'AAA', 'eyJ.x.y', 'Zm9v', '"T"', '"P"', '"I"', 'YWI='])
      assert.ok(!line.includes(secret), `${secret} leaked: ${line}`)
    assert.match(line, /Bearer <redacted>/)
    assert.match(line, /n=1/)
  })
  it('a debug log only formats when it has a sink, and always redacts', () => {
    let called = 0
    debugLogTo(undefined)(() => {
      called++
      return 'x'
    })
    assert.equal(called, 0)
    const lines: string[] = []
    debugLogTo((l) => lines.push(l))(() => 'authorization: Bearer sekrit')
    assert.deepEqual(lines, ['authorization: Bearer <redacted>'])
  })
})
