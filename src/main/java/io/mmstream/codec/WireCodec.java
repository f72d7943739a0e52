package io.mmstream.codec;

import io.mmstream.schema.Alert;
import io.mmstream.schema.AudioChunk;
import io.mmstream.schema.DeadLetter;
import io.mmstream.schema.Label;
import io.mmstream.schema.WindowEmbedding;
import io.mmstream.schema.WindowTruth;
import io.mmstream.schema.LateEvent;
import io.mmstream.schema.Prediction;
import io.mmstream.schema.SensorBatch;
import io.mmstream.schema.SensorReading;
import io.mmstream.schema.TextEvent;
import io.mmstream.schema.VideoFrame;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.SystemLimitException;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * Avro single-object encoding (0xC3 0x01, CRC-64-AVRO fingerprint, binary body) of every record type on our
 * topics. Decoders know every released version of each schema (schemas/history), so old writers stay readable.
 */
public final class WireCodec {

    /** Every record type of the wire contract, by the schema file name that defines it. */
    public static final Map<String, Class<? extends SpecificRecord>> TYPES = types();

    private static final Map<Class<?>, BinaryMessageDecoder<?>> DECODERS = new LinkedHashMap<>();
    private static final Map<Long, Class<? extends SpecificRecord>> TYPE_BY_FINGERPRINT = new LinkedHashMap<>();
    private static final Map<Long, Schema> WRITER_BY_FINGERPRINT = new LinkedHashMap<>();
    private static final int HEADER_BYTES = 10;
    /** Avro's own limits, for any Avro reading in this JVM; set only where the deployment left them unset. */
    private static final Map<String, String> AVRO_LIMITS = Map.of(
            SystemLimitException.MAX_BYTES_LENGTH_PROPERTY, Integer.toString(64 << 20),
            SystemLimitException.MAX_STRING_LENGTH_PROPERTY, Integer.toString(64 << 20),
            SystemLimitException.MAX_COLLECTION_LENGTH_PROPERTY, Integer.toString(16 << 20));

    static {
        AVRO_LIMITS.forEach((key, value) -> {
            if (System.getProperty(key) == null) {
                System.setProperty(key, value);
            }
        });
        TYPES.forEach((name, type) -> {
            Schema current = SpecificData.get().getSchema(type);
            BinaryMessageDecoder<?> decoder = new BinaryMessageDecoder<>(SpecificData.getForClass(type), current);
            register(type, current);
            for (Schema released : releasedVersions(name)) {
                decoder.addSchema(released);
                register(type, released);
            }
            DECODERS.put(type, decoder);
        });
    }

    private static void register(Class<? extends SpecificRecord> type, Schema writer) {
        long fingerprint = SchemaNormalization.parsingFingerprint64(writer);
        TYPE_BY_FINGERPRINT.put(fingerprint, type);
        WRITER_BY_FINGERPRINT.put(fingerprint, writer);
    }

    private WireCodec() {}

    private static Map<String, Class<? extends SpecificRecord>> types() {
        Map<String, Class<? extends SpecificRecord>> types = new LinkedHashMap<>();
        types.put("VideoFrame", VideoFrame.class);
        types.put("AudioChunk", AudioChunk.class);
        types.put("SensorReading", SensorReading.class);
        types.put("SensorBatch", SensorBatch.class);
        types.put("TextEvent", TextEvent.class);
        types.put("Label", Label.class);
        types.put("Prediction", Prediction.class);
        types.put("DeadLetter", DeadLetter.class);
        types.put("LateEvent", LateEvent.class);
        types.put("WindowTruth", WindowTruth.class);
        types.put("WindowEmbedding", WindowEmbedding.class);
        types.put("Alert", Alert.class);
        return Map.copyOf(types);
    }

    /** Released versions live on the classpath as schemas/history/NAME.vN.avsc, N counting up from 1. */
    public static List<Schema> releasedVersions(String name) {
        List<Schema> versions = new ArrayList<>();
        for (int version = 1; ; version++) {
            String resource = "/schemas/history/" + name + ".v" + version + ".avsc";
            try (InputStream in = WireCodec.class.getResourceAsStream(resource)) {
                if (in == null) {
                    return versions;
                }
                versions.add(new Schema.Parser().parse(in));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + resource, e);
            }
        }
    }

    public static byte[] encode(SpecificRecord record) {
        @SuppressWarnings("unchecked")
        BinaryMessageEncoder<SpecificRecord> encoder =
                new BinaryMessageEncoder<>(SpecificData.getForClass(record.getClass()), record.getSchema());
        try {
            ByteBuffer buffer = encoder.encode(record);
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Every length the body claims is checked against the bytes that remain before Avro allocates anything.
     *
     * @throws IOException when the bytes are not single-object encoded, the fingerprint is no known version of the
     *     type, or the body claims more than it holds
     * @throws org.apache.avro.AvroRuntimeException when the body is otherwise corrupt
     */
    @SuppressWarnings("unchecked")
    public static <T extends SpecificRecord> T decode(Class<T> type, byte[] bytes) throws IOException {
        long fingerprint = fingerprint(bytes);
        if (TYPE_BY_FINGERPRINT.get(fingerprint) != type) {
            throw new IOException("schema fingerprint " + Long.toHexString(fingerprint) + " is no version of " + type.getSimpleName());
        }
        BoundedBody.check(WRITER_BY_FINGERPRINT.get(fingerprint), bytes, HEADER_BYTES);
        return ((BinaryMessageDecoder<T>) DECODERS.get(type)).decode(bytes);
    }

    /** Decodes a record of any of our types, found by its fingerprint (for tools that read any topic). */
    public static SpecificRecord decodeAny(byte[] bytes) throws IOException {
        long fingerprint = fingerprint(bytes);
        Class<? extends SpecificRecord> type = TYPE_BY_FINGERPRINT.get(fingerprint);
        if (type == null) {
            throw new IOException("schema fingerprint " + Long.toHexString(fingerprint) + " is no version of any mmstream record");
        }
        return decode(type, bytes);
    }

    /** The writer schema of a known fingerprint, any released version of any of our types; null for another. */
    public static Schema writerSchema(long fingerprint) {
        return WRITER_BY_FINGERPRINT.get(fingerprint);
    }

    /** The fingerprint in a single-object header. */
    public static long fingerprint(byte[] bytes) throws IOException {
        if (bytes == null || bytes.length < HEADER_BYTES || bytes[0] != (byte) 0xC3 || bytes[1] != 0x01) {
            throw new IOException("not Avro single-object encoded (no C3 01 header)");
        }
        return ByteBuffer.wrap(bytes, 2, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
    }
}
