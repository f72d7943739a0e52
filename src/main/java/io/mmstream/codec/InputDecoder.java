package io.mmstream.codec;

import io.mmstream.align.ModalEvent;
import io.mmstream.align.Modality;
import io.mmstream.schema.AudioChunk;
import io.mmstream.schema.SampleFormat;
import io.mmstream.schema.SensorBatch;
import io.mmstream.schema.SensorReading;
import io.mmstream.schema.TextEvent;
import io.mmstream.schema.VideoFrame;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * Turns one raw input record into a validated {@link ModalEvent}, or a {@link Rejection} that says why not.
 * It never throws for bad input: whatever the bytes, the caller gets a result to route.
 */
public final class InputDecoder implements Serializable {

    static final String STAGE_DECODE = "decode";
    static final String STAGE_VALIDATE = "validate";

    private static final int MAX_IMAGE_SIDE = 16384;
    private static final int MIN_SAMPLE_RATE = 1000;
    private static final int MAX_SAMPLE_RATE = 384_000;
    private static final int MAX_CHANNELS = 64;
    private static final int MAX_NAME_BYTES = 64;
    private static final float MAX_F32_SAMPLE = 1000f;
    /** A sensor batch's most samples and longest span: a device's buffer, not a backlog (which is many batches). */
    private static final int MAX_BATCH_SAMPLES = 10_000;
    private static final int MAX_BATCH_SPAN_MICROS = 10_000_000;
    private static final float[] NO_FEATURES = new float[0];
    private static final Pattern LANGUAGE_TAG = Pattern.compile("[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8}){0,8}");

    private final Modality modality;
    private final ValidationLimits limits;
    private final LongSupplier wallClockMicros;

    public InputDecoder(Modality modality, ValidationLimits limits, LongSupplier wallClockMicros) {
        this.modality = modality;
        this.limits = limits;
        this.wallClockMicros = wallClockMicros;
    }

    public static LongSupplier systemClockMicros() {
        return (LongSupplier & Serializable) () -> System.currentTimeMillis() * 1000;
    }

    /**
     * Every event of one record: one for a frame, an audio chunk, a sensor reading or a text, one per sample for a
     * SensorBatch. A record that fails any check is one rejection, whatever it holds: a batch is accepted or
     * dead-lettered whole.
     */
    public List<Decoded> decode(String topic, int partition, long offset, byte[] key, byte[] value) {
        int size = value == null ? 0 : value.length;
        if (value == null) {
            return List.of(reject(topic, partition, offset, key, null, STAGE_DECODE, "record has no value (a tombstone?)"));
        }
        if (size > limits.maxRecordBytes()) {
            return List.of(reject(topic, partition, offset, key, value, STAGE_VALIDATE,
                    "record of " + size + " bytes exceeds the size limit of " + limits.maxRecordBytes() + " bytes"));
        }
        Object record;
        try {
            record = switch (modality) {
                case VIDEO -> WireCodec.decode(VideoFrame.class, value);
                case AUDIO -> WireCodec.decode(AudioChunk.class, value);
                case SENSOR -> sensorRecord(value);
                case TEXT -> WireCodec.decode(TextEvent.class, value);
            };
        } catch (Exception | StackOverflowError | OutOfMemoryError e) {
            // every length is bounded by the record's size before Avro reads it, so an Error here comes from the record,
            // not from the JVM: it is the record's dead letter, never a restart that reads the same record again
            return List.of(reject(topic, partition, offset, key, value, STAGE_DECODE,
                    "not a readable " + modality.wireName() + " record: " + e.getClass().getSimpleName() + ": " + e.getMessage()));
        }
        try {
            List<ModalEvent> events = record instanceof SensorBatch batch ? validSensorBatch(batch, topic, partition, offset)
                    : List.of(switch (modality) {
                        case VIDEO -> validVideo((VideoFrame) record, value, topic, partition, offset);
                        case AUDIO -> validAudio((AudioChunk) record, value, topic, partition, offset);
                        case SENSOR -> validSensor((SensorReading) record, topic, partition, offset);
                        case TEXT -> validText((TextEvent) record, value, topic, partition, offset);
                    });
            checkKey(key, events.get(0).streamId());
            return events.stream().map(Decoded::accepted).toList();
        } catch (InvalidRecordException e) {
            return List.of(reject(topic, partition, offset, key, value, STAGE_VALIDATE, e.getMessage()));
        } catch (RuntimeException e) {
            return List.of(reject(topic, partition, offset, key, value, STAGE_VALIDATE,
                    "invalid " + modality.wireName() + " record: " + e.getClass().getSimpleName() + ": " + e.getMessage()));
        }
    }

    /** The sensor topic carries single readings (older producers) and batches, told apart by their fingerprint. */
    private static Object sensorRecord(byte[] value) throws java.io.IOException {
        Object record = WireCodec.decodeAny(value);
        if (!(record instanceof SensorReading) && !(record instanceof SensorBatch)) {
            throw new java.io.IOException("a " + record.getClass().getSimpleName() + " record is neither a SensorReading nor a SensorBatch");
        }
        return record;
    }

    private ModalEvent validVideo(VideoFrame frame, byte[] value, String topic, int partition, long offset) throws InvalidRecordException {
        long capture = checkCommon(frame.getStreamId(), frame.getCaptureTime());
        checkRange("width", frame.getWidth(), 1, MAX_IMAGE_SIDE);
        checkRange("height", frame.getHeight(), 1, MAX_IMAGE_SIDE);
        long pixels = (long) frame.getWidth() * frame.getHeight();
        if (pixels > limits.maxImagePixels()) {
            throw new InvalidRecordException(frame.getWidth() + "x" + frame.getHeight() + " is " + pixels + " pixels, over the limit of "
                    + limits.maxImagePixels());
        }
        ByteBuffer data = frame.getData();
        int length = data.remaining();
        switch (frame.getEncoding()) {
            case RGB24 -> {
                long expected = 3L * frame.getWidth() * frame.getHeight();
                if (length != expected) {
                    throw new InvalidRecordException("data holds " + length + " bytes, but RGB24 " + frame.getWidth() + "x"
                            + frame.getHeight() + " needs " + expected);
                }
            }
            case JPEG -> {
                if (length < 4 || (data.get(data.position()) & 0xFF) != 0xFF || (data.get(data.position() + 1) & 0xFF) != 0xD8) {
                    throw new InvalidRecordException("encoding is JPEG but data does not start with the JPEG marker FF D8");
                }
                ImageHeader header = ImageHeader.jpeg(data);
                checkDeclaredSize(frame, header);
                if (header.scans() > limits.maxJpegScans()) {
                    throw new InvalidRecordException("JPEG has " + header.scans() + " scans, over the limit of " + limits.maxJpegScans());
                }
            }
            case PNG -> {
                if (length < 8 || (data.get(data.position()) & 0xFF) != 0x89 || data.get(data.position() + 1) != 'P') {
                    throw new InvalidRecordException("encoding is PNG but data does not start with the PNG signature");
                }
                checkDeclaredSize(frame, ImageHeader.png(data));
            }
        }
        // the frame is decoded by the encoder stage, which needs the record
        return new ModalEvent(frame.getStreamId(), Modality.VIDEO, capture, frame.getSeq(), NO_FEATURES, value, topic, partition, offset);
    }

    private static void checkDeclaredSize(VideoFrame frame, ImageHeader header) throws InvalidRecordException {
        if (header.width() != frame.getWidth() || header.height() != frame.getHeight()) {
            throw new InvalidRecordException("the " + frame.getEncoding() + " header says " + header.width() + "x" + header.height()
                    + ", the record declares " + frame.getWidth() + "x" + frame.getHeight());
        }
    }

    private ModalEvent validAudio(AudioChunk chunk, byte[] value, String topic, int partition, long offset) throws InvalidRecordException {
        long capture = checkCommon(chunk.getStreamId(), chunk.getCaptureTime());
        checkRange("sampleRate", chunk.getSampleRate(), MIN_SAMPLE_RATE, MAX_SAMPLE_RATE);
        checkRange("channels", chunk.getChannels(), 1, MAX_CHANNELS);
        int bytesPerFrame = chunk.getChannels() * (switch (chunk.getFormat()) {
            case PCM_S16LE -> 2;
            case PCM_F32LE -> 4;
        });
        ByteBuffer data = chunk.getData();
        int length = data.remaining();
        if (length == 0 || length % bytesPerFrame != 0) {
            throw new InvalidRecordException("data holds " + length + " bytes, not a positive multiple of " + bytesPerFrame
                    + " (" + chunk.getChannels() + " channels of " + chunk.getFormat() + ")");
        }
        long durationMicros = (long) (length / bytesPerFrame) * 1_000_000L / chunk.getSampleRate();
        if (durationMicros > limits.maxAudioChunkMicros()) {
            throw new InvalidRecordException("chunk holds " + durationMicros / 1000 + " ms of audio, over the limit of "
                    + limits.maxAudioChunkMicros() / 1000 + " ms");
        }
        if (chunk.getFormat() == SampleFormat.PCM_F32LE) {
            ByteBuffer samples = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0, at = samples.position(); i < length / 4; i++, at += 4) {
                float sample = samples.getFloat(at);
                if (!(Math.abs(sample) <= MAX_F32_SAMPLE)) {
                    throw new InvalidRecordException("sample " + i + " is " + sample + ": PCM_F32LE samples must be finite and within +-"
                            + MAX_F32_SAMPLE + " (full scale is +-1)");
                }
            }
        }
        return new ModalEvent(chunk.getStreamId(), Modality.AUDIO, capture, chunk.getSeq(), NO_FEATURES, value, topic, partition, offset);
    }

    private ModalEvent validSensor(SensorReading reading, String topic, int partition, long offset) throws InvalidRecordException {
        long capture = checkCommon(reading.getStreamId(), reading.getCaptureTime());
        SensorKinds.Kind kind = checkSensor(reading.getSensorId(), reading.getKind());
        List<Float> values = reading.getValues();
        if (values.size() != kind.arity()) {
            throw new InvalidRecordException("values holds " + values.size() + " numbers, but a reading of kind " + reading.getKind()
                    + " holds " + kind.arity() + " (" + kind.meaning() + ")");
        }
        return ModalEvent.of(reading.getStreamId(), Modality.SENSOR, capture, -1, sample(values, 0, kind, ""), topic, partition, offset);
    }

    /** One event per sample, each at its own time: downstream, a batch's samples are readings like any other. */
    private List<ModalEvent> validSensorBatch(SensorBatch batch, String topic, int partition, long offset) throws InvalidRecordException {
        long capture = checkCommon(batch.getStreamId(), batch.getCaptureTime());
        SensorKinds.Kind kind = checkSensor(batch.getSensorId(), batch.getKind());
        List<Integer> offsets = batch.getOffsetsMicros();
        List<Float> values = batch.getValues();
        if (offsets.isEmpty() || offsets.size() > MAX_BATCH_SAMPLES) {
            throw new InvalidRecordException("offsetsMicros holds " + offsets.size() + " samples; a batch holds 1 to " + MAX_BATCH_SAMPLES);
        }
        if (values.size() != (long) offsets.size() * kind.arity()) {
            throw new InvalidRecordException("values holds " + values.size() + " numbers, but " + offsets.size() + " samples of kind "
                    + batch.getKind() + " hold " + offsets.size() * kind.arity() + " (" + kind.arity() + " each: " + kind.meaning() + ")");
        }
        if (offsets.get(0) != 0) {
            throw new InvalidRecordException("offsetsMicros[0] is " + offsets.get(0) + ": the first sample is at captureTime (0)");
        }
        for (int i = 1; i < offsets.size(); i++) {
            if (offsets.get(i) <= offsets.get(i - 1)) {
                throw new InvalidRecordException("offsetsMicros[" + i + "] is " + offsets.get(i) + ", not after offsetsMicros[" + (i - 1) + "] = "
                        + offsets.get(i - 1) + ": sample times must increase");
            }
        }
        if (offsets.get(offsets.size() - 1) > MAX_BATCH_SPAN_MICROS) {
            throw new InvalidRecordException("the batch spans " + offsets.get(offsets.size() - 1) / 1000 + " ms, over the limit of "
                    + MAX_BATCH_SPAN_MICROS / 1000 + " ms");
        }
        checkCommon(batch.getStreamId(), Times.ofMicros(capture + offsets.get(offsets.size() - 1)));
        List<ModalEvent> events = new java.util.ArrayList<>(offsets.size());
        for (int i = 0; i < offsets.size(); i++) {
            events.add(ModalEvent.of(batch.getStreamId(), Modality.SENSOR, capture + offsets.get(i), -1,
                    sample(values, i * kind.arity(), kind, "sample " + i + ": "), topic, partition, offset));
        }
        return events;
    }

    private static SensorKinds.Kind checkSensor(String sensorId, String kindName) throws InvalidRecordException {
        checkText("sensorId", sensorId, MAX_NAME_BYTES);
        checkText("kind", kindName, MAX_NAME_BYTES);
        SensorKinds.Kind kind = SensorKinds.KINDS.get(kindName);
        if (kind == null) {
            throw new InvalidRecordException("kind '" + kindName + "' is not one the job knows: " + SensorKinds.KINDS.keySet());
        }
        return kind;
    }

    /** One sample's values from {@code from}, each a finite number within its axis's bounds. */
    private static float[] sample(List<Float> values, int from, SensorKinds.Kind kind, String where) throws InvalidRecordException {
        float[] features = new float[kind.arity()];
        for (int i = 0; i < features.length; i++) {
            features[i] = values.get(from + i);
            if (!(Math.abs(features[i]) <= kind.bounds()[i])) {
                throw new InvalidRecordException(where + "values[" + (from + i) + "] is " + features[i] + ", not a finite number within +-"
                        + kind.bounds()[i] + " (" + kind.meaning() + ")");
            }
        }
        return features;
    }

    private ModalEvent validText(TextEvent event, byte[] value, String topic, int partition, long offset) throws InvalidRecordException {
        long capture = checkCommon(event.getStreamId(), event.getCaptureTime());
        String text = event.getText();
        if (text.isBlank()) {
            throw new InvalidRecordException("text is empty");
        }
        int chars = text.codePointCount(0, text.length());
        if (chars > limits.maxTextChars()) {
            throw new InvalidRecordException("text of " + chars + " characters exceeds the limit of " + limits.maxTextChars());
        }
        for (int i = 0; i < text.length(); ) {
            int codePoint = text.codePointAt(i);
            // line breaks and tabs are text; other controls and lone surrogates are not (escape codes, broken encodings)
            boolean control = Character.getType(codePoint) == Character.CONTROL && codePoint != '\n' && codePoint != '\t' && codePoint != '\r';
            if (control || Character.getType(codePoint) == Character.SURROGATE) {
                throw new InvalidRecordException("text holds the character U+" + String.format("%04X", codePoint) + " at index " + i
                        + ", neither printable nor a line break or tab");
            }
            i += Character.charCount(codePoint);
        }
        String language = event.getLanguage();
        if (language != null && !LANGUAGE_TAG.matcher(language).matches()) {
            throw new InvalidRecordException("language '" + PrintableText.escaped(language.length() > 40 ? language.substring(0, 40) + "..." : language)
                    + "' is not a BCP 47 tag such as en or pt-BR");
        }
        // the text models decode the record again: the event keeps it
        return new ModalEvent(event.getStreamId(), Modality.TEXT, capture, -1, NO_FEATURES, value, topic, partition, offset);
    }

    /** @return the capture time in microseconds since the epoch */
    private long checkCommon(String streamId, Instant captureTime) throws InvalidRecordException {
        checkText("streamId", streamId, PrintableText.MAX_STREAM_ID_BYTES);
        long captureMicros;
        try {
            captureMicros = Times.micros(captureTime);
        } catch (ArithmeticException e) {
            throw new InvalidRecordException("captureTime " + captureTime + " is outside the range of microseconds since the epoch");
        }
        if (captureMicros < 0) {
            throw new InvalidRecordException("captureTime " + captureMicros + " is negative");
        }
        long ahead = captureMicros - wallClockMicros.getAsLong();
        if (ahead > limits.futureHorizonMicros()) {
            throw new InvalidRecordException("captureTime " + captureMicros + " is " + ahead / 1000 + " ms ahead of the wall clock, past the future horizon of "
                    + limits.futureHorizonMicros() / 1000 + " ms");
        }
        return captureMicros;
    }

    private static void checkText(String field, String text, int maxBytes) throws InvalidRecordException {
        String problem = PrintableText.problem(field, text, maxBytes);
        if (problem != null) {
            throw new InvalidRecordException(problem);
        }
    }

    /** A key, when there is one, must be the stream id: partitioning by key must keep a stream on one partition. */
    private static void checkKey(byte[] key, String streamId) throws InvalidRecordException {
        if (key != null && !Arrays.equals(key, streamId.getBytes(StandardCharsets.UTF_8))) {
            throw new InvalidRecordException("the record key (" + key.length + " bytes) is not the streamId '" + streamId + "'");
        }
    }

    private static void checkRange(String field, int value, int min, int max) throws InvalidRecordException {
        if (value < min || value > max) {
            throw new InvalidRecordException(field + " " + value + " is outside " + min + ".." + max);
        }
    }

    /** A record refused before decoding, e.g. one whose schema the registry does not know. */
    public Decoded rejected(String topic, int partition, long offset, byte[] key, byte[] value, String error) {
        return reject(topic, partition, offset, key, value, STAGE_DECODE, error);
    }

    private Decoded reject(String topic, int partition, long offset, byte[] key, byte[] value, String stage, String error) {
        int size = value == null ? 0 : value.length;
        byte[] kept = value == null ? null : Arrays.copyOf(value, Math.min(size, limits.deadLetterValueBytes()));
        return Decoded.rejected(new Rejection(topic, partition, offset, key, kept, size, error, stage));
    }
}
