package io.mmstream.codec;

import io.mmstream.schema.AudioChunk;
import io.mmstream.schema.DeadLetter;
import io.mmstream.schema.Label;
import io.mmstream.schema.LateEvent;
import io.mmstream.schema.Prediction;
import io.mmstream.schema.SensorReading;
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

    static {
        TYPES.forEach((name, type) -> {
            Schema current = SpecificData.get().getSchema(type);
            BinaryMessageDecoder<?> decoder = new BinaryMessageDecoder<>(SpecificData.getForClass(type), current);
            TYPE_BY_FINGERPRINT.put(SchemaNormalization.parsingFingerprint64(current), type);
            for (Schema released : releasedVersions(name)) {
                decoder.addSchema(released);
                TYPE_BY_FINGERPRINT.put(SchemaNormalization.parsingFingerprint64(released), type);
            }
            DECODERS.put(type, decoder);
        });
    }

    private WireCodec() {}

    private static Map<String, Class<? extends SpecificRecord>> types() {
        Map<String, Class<? extends SpecificRecord>> types = new LinkedHashMap<>();
        types.put("VideoFrame", VideoFrame.class);
        types.put("AudioChunk", AudioChunk.class);
        types.put("SensorReading", SensorReading.class);
        types.put("Label", Label.class);
        types.put("Prediction", Prediction.class);
        types.put("DeadLetter", DeadLetter.class);
        types.put("LateEvent", LateEvent.class);
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
     * @throws org.apache.avro.message.BadHeaderException when the bytes are not single-object encoded
     * @throws org.apache.avro.message.MissingSchemaException when the fingerprint is no known version of the type
     * @throws IOException or org.apache.avro.AvroRuntimeException when the body is corrupt
     */
    @SuppressWarnings("unchecked")
    public static <T extends SpecificRecord> T decode(Class<T> type, byte[] bytes) throws IOException {
        return ((BinaryMessageDecoder<T>) DECODERS.get(type)).decode(bytes);
    }

    /** Decodes a record of any of our types, found by its fingerprint (for tools that read any topic). */
    public static SpecificRecord decodeAny(byte[] bytes) throws IOException {
        if (bytes == null || bytes.length < 10 || bytes[0] != (byte) 0xC3 || bytes[1] != 0x01) {
            throw new IOException("not Avro single-object encoded (no C3 01 header)");
        }
        long fingerprint = ByteBuffer.wrap(bytes, 2, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        Class<? extends SpecificRecord> type = TYPE_BY_FINGERPRINT.get(fingerprint);
        if (type == null) {
            throw new IOException("schema fingerprint " + Long.toHexString(fingerprint) + " is no version of any mmstream record");
        }
        return decode(type, bytes);
    }
}
