#!/usr/bin/env python3
"""Prints the predictions of mm.predictions (or any mmstream topic) as one JSON line each, as a downstream consumer
reads them: committed transactions only (the job writes exactly once).

  python3 examples/python/consume_predictions.py --bootstrap localhost:9092 [--topic mm.predictions] [--from-beginning] [--max N]
      [--registry http://HOST:PORT/apis/ccompat/v7]   (records in the Confluent wire format too)

Needs Debian's python3-confluent-kafka and python3-avro; decodes with the schemas of this repository's schemas/."""

import argparse
import sys
import uuid

from confluent_kafka import Consumer, KafkaError

from mmstream_avro import Codec, Registry, to_json


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", required=True, help="Kafka bootstrap servers, host:port")
    parser.add_argument("--topic", default="mm.predictions")
    parser.add_argument("--from-beginning", action="store_true", help="start at the earliest offset instead of the end")
    parser.add_argument("--max", type=int, default=0, help="stop after this many records (0: never)")
    parser.add_argument("--idle-timeout", type=float, default=0, help="stop after this many seconds without a record (0: never)")
    parser.add_argument("--group", default=None, help="consumer group (default: a new one)")
    parser.add_argument("--registry", default=None,
                        help="a Confluent-compatible schema registry (e.g. http://HOST:PORT/apis/ccompat/v7) for records in the Confluent wire format")
    args = parser.parse_args(argv)

    codec = Codec()
    registry = Registry(args.registry) if args.registry else None
    consumer = Consumer({
        "bootstrap.servers": args.bootstrap,
        "group.id": args.group or f"mmstream-python-{uuid.uuid4()}",
        "isolation.level": "read_committed",
        "auto.offset.reset": "earliest" if args.from_beginning else "latest",
        "enable.auto.commit": args.group is not None,
    })
    consumer.subscribe([args.topic])
    printed = 0
    idle = 0.0
    try:
        while args.max == 0 or printed < args.max:
            message = consumer.poll(0.5)
            if message is None:
                idle += 0.5
                if args.idle_timeout and idle >= args.idle_timeout:
                    break
                continue
            idle = 0.0
            if message.error():
                if message.error().code() != KafkaError._PARTITION_EOF:
                    print(f"error: {message.error()}", file=sys.stderr)
                continue
            try:
                record, name = codec.decode(message.value(), registry)
            except Exception as e:  # a record that is not ours: say so and go on
                print(f"skipped {message.topic()}/{message.partition()}@{message.offset()}: {e}", file=sys.stderr)
                continue
            print(to_json(record), flush=True)
            printed += 1
    except KeyboardInterrupt:
        pass
    finally:
        consumer.close()


if __name__ == "__main__":
    main()
