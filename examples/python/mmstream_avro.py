"""mmstream's wire formats in Python: Avro single-object encoding (C3 01, the CRC-64-AVRO fingerprint of the writer
schema, little-endian, then the binary body) of the records in schemas/ (every released version in schemas/history,
so records of older writers stay readable, resolved to the current version), and the Confluent wire format (00, the
schema's registry id, big-endian, then the same body) with a schema registry."""

import datetime
import io
import json
import pathlib
import re
import struct
import urllib.request

import avro.io
import avro.schema

SCHEMAS = pathlib.Path(__file__).resolve().parents[2] / "schemas"
_EMPTY = 0xC15D213AA4D7A795


def _table():
    table = []
    for i in range(256):
        fp = i
        for _ in range(8):
            fp = (fp >> 1) ^ (_EMPTY & -(fp & 1))
        table.append(fp)
    return table


_TABLE = _table()


# python3-avro 1.11 writes a primitive with a logical type as {"type":"long"} in its canonical form, where the
# specification (and Java's SchemaNormalization) has "long"
_WRAPPED_PRIMITIVE = re.compile(r'\{"type":"(null|boolean|int|long|float|double|bytes|string)"\}')


def fingerprint(schema):
    """CRC-64-AVRO (Rabin) of the schema's parsing canonical form, as Avro's SchemaNormalization computes it."""
    fp = _EMPTY
    for byte in _WRAPPED_PRIMITIVE.sub(r'"\1"', schema.canonical_form).encode("utf-8"):
        fp = (fp >> 8) ^ _TABLE[(fp ^ byte) & 0xFF]
    return fp


class Codec:
    """Encodes and decodes every mmstream record type; decoding resolves an old writer's record to the current schema."""

    def __init__(self, folder=SCHEMAS):
        folder = pathlib.Path(folder)
        self.current = {}
        self.writers = {}
        for path in sorted(folder.glob("*.avsc")):
            schema = avro.schema.parse(path.read_text())
            self.current[schema.name] = schema
            self.writers[fingerprint(schema)] = schema
        for path in sorted((folder / "history").glob("*.avsc")):
            schema = avro.schema.parse(path.read_text())
            self.writers[fingerprint(schema)] = schema
        if not self.current:
            raise ValueError(f"no schemas in {folder}")

    def encode(self, name, record):
        schema = self.current[name]
        body = io.BytesIO()
        avro.io.DatumWriter(schema).write(record, avro.io.BinaryEncoder(body))
        return b"\xc3\x01" + struct.pack("<Q", fingerprint(schema)) + body.getvalue()

    def decode(self, data, registry=None):
        """The record and its type name; a record in the Confluent wire format (00, schema id) needs the registry."""
        if data is None:
            raise ValueError("no value (a tombstone)")
        if len(data) >= 10 and data[:2] == b"\xc3\x01":
            writer = self.writers.get(struct.unpack("<Q", data[2:10])[0])
            if writer is None:
                raise ValueError("schema fingerprint %016x is no version of any mmstream record" % struct.unpack("<Q", data[2:10])[0])
            body = data[10:]
        elif len(data) >= 5 and data[0] == 0 and registry is not None:
            writer = registry.schema(struct.unpack(">I", data[1:5])[0])
            body = data[5:]
        else:
            raise ValueError("not Avro single-object encoded (no C3 01 header)"
                             + ("" if registry else ", and without --registry not read as the Confluent wire format"))
        reader = self.current.get(writer.name, writer)
        return avro.io.DatumReader(writer, reader).read(avro.io.BinaryDecoder(io.BytesIO(body))), writer.name


class Registry:
    """A Confluent-compatible schema registry's schemas by id (Apicurio's API under /apis/ccompat/v7), cached."""

    def __init__(self, url):
        self.url = url.rstrip("/")
        self.by_id = {}

    def schema(self, schema_id):
        if schema_id not in self.by_id:
            with urllib.request.urlopen(f"{self.url}/schemas/ids/{schema_id}", timeout=10) as response:
                self.by_id[schema_id] = avro.schema.parse(json.load(response)["schema"])
        return self.by_id[schema_id]


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def timestamp(micros):
    """A timestamp-micros field's value: python3-avro writes logical timestamps from datetimes, exactly to the microsecond."""
    return _EPOCH + datetime.timedelta(microseconds=micros)


def to_json(record):
    """One JSON line: timestamps in ISO 8601, bytes as their length (a frame's JPEG would flood the terminal)."""
    def default(value):
        if isinstance(value, datetime.datetime):
            return value.isoformat()
        if isinstance(value, (bytes, bytearray)):
            return f"<{len(value)} bytes>"
        return str(value)
    return json.dumps(record, default=default, sort_keys=False)
