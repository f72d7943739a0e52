#!/usr/bin/env node
// Prints the predictions of mm.predictions (or any mmstream topic) as one JSON line each, as a downstream consumer
// reads them: committed transactions only (the job writes exactly once). Decodes Avro single-object encoding (C3 01,
// the writer schema's CRC-64-AVRO fingerprint, the body) with the schemas of this repository's schemas/, every
// released version, resolved to the current one.
//
//   cd examples/node && npm ci && node consume-predictions.js --bootstrap localhost:9092 [--topic mm.predictions] [--from-beginning] [--max N]
//
// Kafka client: @platformatic/kafka (pure JavaScript, maintained, speaks the protocol versions Kafka 4 kept); Avro: avsc.
import { readFileSync, readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { randomUUID } from 'node:crypto'
import avro from 'avsc'
import { Consumer, FetchIsolationLevels, MessagesStreamModes } from '@platformatic/kafka'

const SCHEMAS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'schemas')
const EMPTY = 0xc15d213aa4d7a795n
const MASK = (1n << 64n) - 1n
const TABLE = Array.from({ length: 256 }, (_, i) => {
  let fp = BigInt(i)
  for (let j = 0; j < 8; j++) fp = (fp >> 1n) ^ (EMPTY & -(fp & 1n) & MASK)
  return fp
})

/** CRC-64-AVRO (Rabin) of a schema's parsing canonical form, as Avro's SchemaNormalization computes it. */
export function fingerprint (type) {
  let fp = EMPTY
  for (const byte of Buffer.from(JSON.stringify(type.schema()), 'utf8')) fp = (fp >> 8n) ^ TABLE[Number((fp ^ BigInt(byte)) & 0xffn)]
  return fp
}

/** Every mmstream record type: the current schema by name, every version by fingerprint. */
export function loadSchemas (folder = SCHEMAS) {
  const current = new Map()
  const writers = new Map()
  const parse = file => avro.Type.forSchema(JSON.parse(readFileSync(file, 'utf8')), { registry: {} })
  for (const name of readdirSync(folder).filter(f => f.endsWith('.avsc'))) {
    const type = parse(join(folder, name))
    current.set(type.name, type)
    writers.set(fingerprint(type), type)
  }
  for (const name of readdirSync(join(folder, 'history')).filter(f => f.endsWith('.avsc'))) {
    const type = parse(join(folder, 'history', name))
    writers.set(fingerprint(type), type)
  }
  return { current, writers }
}

/** The record of a single-object encoded value, resolved to the current version of its type. */
export function decode (schemas, value) {
  if (!value || value.length < 10 || value[0] !== 0xc3 || value[1] !== 0x01) {
    throw new Error('not Avro single-object encoded (no C3 01 header)')
  }
  const print = value.readBigUInt64LE(2)
  const writer = schemas.writers.get(print)
  if (!writer) throw new Error(`schema fingerprint ${print.toString(16)} is no version of any mmstream record`)
  const reader = schemas.current.get(writer.name) ?? writer
  return reader.fromBuffer(value.subarray(10), reader.createResolver(writer))
}

async function main () {
  const { values: args } = parseArgs({
    options: {
      bootstrap: { type: 'string' },
      topic: { type: 'string', default: 'mm.predictions' },
      'from-beginning': { type: 'boolean', default: false },
      max: { type: 'string', default: '0' }
    }
  })
  if (!args.bootstrap) {
    console.error('usage: node consume-predictions.js --bootstrap HOST:PORT [--topic T] [--from-beginning] [--max N]')
    process.exit(2)
  }
  const schemas = loadSchemas()
  const max = Number(args.max)
  const consumer = new Consumer({ groupId: `mmstream-node-${randomUUID()}`, clientId: 'mmstream-node', bootstrapBrokers: args.bootstrap.split(',') })
  const stream = await consumer.consume({
    topics: [args.topic],
    autocommit: false,
    mode: args['from-beginning'] ? MessagesStreamModes.EARLIEST : MessagesStreamModes.LATEST,
    isolationLevel: FetchIsolationLevels.READ_COMMITTED
  })
  let printed = 0
  for await (const message of stream) {
    try {
      const record = decode(schemas, message.value)
      console.log(JSON.stringify(record, (key, value) => value?.type === 'Buffer' ? `<${value.data.length} bytes>` : value))
      if (max && ++printed >= max) break
    } catch (e) {
      // a record that is not ours: say so and go on
      console.error(`skipped ${message.topic}/${message.partition}@${message.offset}: ${e.message}`)
    }
  }
  await stream.close()
  await consumer.close()
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch(e => { console.error(`error: ${e.message}`); process.exit(1) })
}
