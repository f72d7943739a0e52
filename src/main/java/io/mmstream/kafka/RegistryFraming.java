package io.mmstream.kafka;

import io.mmstream.codec.WireCodec;
import java.io.IOException;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.specific.SpecificData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Between our single-object encoding and the Confluent wire format (magic byte 0, the schema's registry id big-endian,
 * then the same Avro body): only the header differs, so records are reframed at the edges of the job, never decoded
 * twice. Writing registers each record type under the subject {@code TOPIC-FULL.NAME} (Confluent's
 * TopicRecordNameStrategy: one topic may carry a type and its successors, and more than one type, as mm.sensor does),
 * every released version in order under BACKWARD_TRANSITIVE, so the registry checks our evolution rules too. A
 * registry that cannot be reached is waited for, with back-off: the task stalls and backpressure holds the input;
 * a good record never becomes a dead letter for it.
 */
public final class RegistryFraming implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(RegistryFraming.class);
    public static final String COMPATIBILITY = "BACKWARD_TRANSITIVE";
    private static final long MAX_BACKOFF_MILLIS = 30_000;

    private final String url;
    private transient SchemaRegistry registry;
    private transient Map<Integer, Long> fingerprintById;
    private transient Map<Written, Integer> idByTopicAndFingerprint;

    /** A record type's version written to a topic: one registry id per subject and version. */
    private record Written(String topic, long fingerprint) {}

    public RegistryFraming(String url) {
        this.url = url;
    }

    /** Whether a value is in the Confluent wire format: our single-object header starts with C3 instead. */
    public static boolean isFramed(byte[] value) {
        return value != null && value.length >= 5 && value[0] == 0;
    }

    /**
     * The same record in single-object encoding, its writer schema found by the id.
     *
     * @throws SchemaRegistry.RefusedException when the registry has no schema of that id
     */
    public byte[] toSingleObject(byte[] framed) throws SchemaRegistry.RefusedException {
        int id = ByteBuffer.wrap(framed, 1, 4).getInt();
        Long fingerprint = caches().fingerprintById.get(id);
        if (fingerprint == null) {
            Schema schema = retrying("read schema id " + id, () -> registry.schema(id));
            fingerprint = SchemaNormalization.parsingFingerprint64(schema);
            fingerprintById.put(id, fingerprint);
        }
        ByteBuffer out = ByteBuffer.allocate(framed.length + 5).order(ByteOrder.LITTLE_ENDIAN);
        out.put((byte) 0xC3).put((byte) 0x01).putLong(fingerprint).put(framed, 5, framed.length - 5);
        return out.array();
    }

    /** The same record in the Confluent wire format, its type registered under the topic's subject on first use. */
    public byte[] toConfluent(String topic, byte[] singleObject) throws IOException {
        long fingerprint = WireCodec.fingerprint(singleObject);
        Integer id = caches().idByTopicAndFingerprint.get(new Written(topic, fingerprint));
        if (id == null) {
            Schema writer = WireCodec.writerSchema(fingerprint);
            if (writer == null) {
                throw new IOException("schema fingerprint " + Long.toHexString(fingerprint) + " is no version of any mmstream record");
            }
            String subject = topic + "-" + writer.getFullName();
            retrying("set the compatibility of " + subject, () -> {
                registry.setCompatibility(subject, COMPATIBILITY);
                return subject;
            });
            for (Schema version : versions(writer.getName())) {
                int versionId = retrying("register " + subject, () -> registry.register(subject, version));
                idByTopicAndFingerprint.put(new Written(topic, SchemaNormalization.parsingFingerprint64(version)), versionId);
            }
            id = idByTopicAndFingerprint.get(new Written(topic, fingerprint));
        }
        ByteBuffer out = ByteBuffer.allocate(singleObject.length - 5);
        out.put((byte) 0).putInt(id).put(singleObject, 10, singleObject.length - 10);
        return out.array();
    }

    /**
     * Every released version of a type, oldest first, then the current one; the released copy of the current version
     * left out (the registry compares text, docs included, and would count the two as two versions).
     */
    private static List<Schema> versions(String name) {
        Schema current = SpecificData.get().getSchema(WireCodec.TYPES.get(name));
        long currentFingerprint = SchemaNormalization.parsingFingerprint64(current);
        List<Schema> versions = new ArrayList<>();
        for (Schema released : WireCodec.releasedVersions(name)) {
            if (SchemaNormalization.parsingFingerprint64(released) != currentFingerprint) {
                versions.add(released);
            }
        }
        versions.add(current);
        return versions;
    }

    private RegistryFraming caches() {
        if (registry == null) {
            registry = new SchemaRegistry(url);
            fingerprintById = new HashMap<>();
            idByTopicAndFingerprint = new HashMap<>();
        }
        return this;
    }

    private interface Call<T> {
        T call() throws IOException;
    }

    /** Asks until the registry answers: a refusal is thrown, an outage waited out. */
    private <T> T retrying(String what, Call<T> call) throws SchemaRegistry.RefusedException {
        long backoff = 500;
        while (true) {
            try {
                return call.call();
            } catch (SchemaRegistry.RefusedException e) {
                throw e;
            } catch (IOException e) {
                LOG.warn("schema registry {}: cannot {} ({}); asking again in {} ms", url, what, e.getMessage(), backoff);
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for the schema registry " + url, interrupted);
                }
                backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
            }
        }
    }
}
