import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseLoadResponse } from '../../../src/transports/docker-daemon/load-response.js'

describe('docker-daemon: /images/load response', () => {
  it('collects "Loaded image" lines', () => {
    const r = parseLoadResponse('{"stream":"Loaded image: example.com/app:v1\\n"}\r\n')
    assert.deepEqual(r, { loaded: ['Loaded image: example.com/app:v1'] })
  })

  it('reports the first errorDetail (or error) message', () => {
    const body =
      '{"status":"Loading layer","progressDetail":{}}\r\n{"errorDetail":{"message":"open /x: no such file"},"error":"open /x: no such file"}\r\n{"error":"later"}\r\n'
    assert.equal(parseLoadResponse(body).error, 'open /x: no such file')
    assert.equal(parseLoadResponse('{"error":"only error"}').error, 'only error')
    assert.equal(parseLoadResponse('plain text failure').error, 'plain text failure')
    assert.equal(parseLoadResponse('').error, undefined)
  })
})
