// Sends Segment-spec NDJSON lines to an HTTP source with Segment's Node.js library.
//
//     node send.mjs HOST WRITE_KEY FILE FIRST LAST
//
// Lines FIRST..LAST (from 0, LAST excluded) of FILE go out as identify, track and page calls
// with their own timestamps, in one batch (so they arrive in order). Exits 1 on an error.
import { readFileSync } from 'node:fs'
import { Analytics } from '@segment/analytics-node'

const [host, writeKey, path, first, last] = process.argv.slice(2)
const analytics = new Analytics({ writeKey, host, maxEventsInBatch: 1000, flushInterval: 60000, maxRetries: 0 })
let failed = false
analytics.on('error', (error) => { console.error(error); failed = true })
const lines = readFileSync(path, 'utf8').split('\n').filter((line) => line.trim() !== '')
lines.forEach((line, number) => {
  if (number < Number(first) || number >= Number(last)) return
  const event = JSON.parse(line)
  const timestamp = new Date(event.timestamp)
  const userId = event.userId
  if (event.type === 'identify') analytics.identify({ userId, traits: event.traits ?? {}, timestamp })
  else if (event.type === 'track') analytics.track({ userId, event: event.event, properties: event.properties ?? {}, timestamp })
  else if (event.type === 'page') analytics.page({ userId, name: event.name, properties: event.properties ?? {}, timestamp })
})
await analytics.closeAndFlush()
process.exit(failed ? 1 : 0)
