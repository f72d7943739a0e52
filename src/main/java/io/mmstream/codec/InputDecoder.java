package io.mmstream.codec;

import io.mmstream.align.ModalEvent;
import io.mmstream.align.Modality;
import io.mmstream.schema.AudioChunk;
import io.mmstream.schema.SensorReading;
import io.mmstream.schema.VideoFrame;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongSupplier;

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
    private static final float[] NO_FEATURES = new float[0];

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

    public Decoded decode(String topic, int partition, long offset, byte[] key, byte[] value) {
        int size = value == null ? 0 : value.length;
        if (value == null) {
            return reject(topic, partition, offset, key, null, STAGE_DECODE, "record has no value (a tombstone?)");
        }
        if (size > limits.maxRecordBytes()) {
            return reject(topic, partition, offset, key, value, STAGE_VALIDATE,
                    "record of " + size + " bytes exceeds the size limit of " + limits.maxRecordBytes() + " bytes");
        }
        Object record;
        try {
            record = switch (modality) {
                case VIDEO -> WireCodec.decode(VideoFrame.class, value);
                case AUDIO -> WireCodec.decode(AudioChunk.class, value);
                case SENSOR -> WireCodec.decode(SensorReading.class, value);
            };
        } catch (Exception | StackOverflowError e) {
            // Avro throws IOException, AvroRuntimeException or worse (e.g. NegativeArraySizeException) on corrupt bodies
            return reject(topic, partition, offset, key, value, STAGE_DECODE,
                    "not a readable " + modality.wireName() + " record: " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        try {
            ModalEvent event = switch (modality) {
                case VIDEO -> validVideo((VideoFrame) record, value, topic, partition, offset);
                case AUDIO -> validAudio((AudioChunk) record, value, topic, partition, offset);
                case SENSOR -> validSensor((SensorReading) record, topic, partition, offset);
            };
            return Decoded.accepted(event);
        } catch (InvalidRecordException e) {
            return reject(topic, partition, offset, key, value, STAGE_VALIDATE, e.getMessage());
        }
    }

    private ModalEvent validVideo(VideoFrame frame, byte[] value, String topic, int partition, long offset) throws InvalidRecordException {
        checkCommon(frame.getStreamId(), Times.micros(frame.getCaptureTime()));
        checkRange("width", frame.getWidth(), 1, MAX_IMAGE_SIDE);
        checkRange("height", frame.getHeight(), 1, MAX_IMAGE_SIDE);
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
            }
            case PNG -> {
                if (length < 8 || (data.get(data.position()) & 0xFF) != 0x89 || data.get(data.position() + 1) != 'P') {
                    throw new InvalidRecordException("encoding is PNG but data does not start with the PNG signature");
                }
            }
        }
        // the frame is decoded by the encoder stage, which needs the record
        return new ModalEvent(frame.getStreamId(), Modality.VIDEO, Times.micros(frame.getCaptureTime()), frame.getSeq(), NO_FEATURES,
                value, topic, partition, offset);
    }

    private ModalEvent validAudio(AudioChunk chunk, byte[] value, String topic, int partition, long offset) throws InvalidRecordException {
        checkCommon(chunk.getStreamId(), Times.micros(chunk.getCaptureTime()));
        checkRange("sampleRate", chunk.getSampleRate(), MIN_SAMPLE_RATE, MAX_SAMPLE_RATE);
        checkRange("channels", chunk.getChannels(), 1, MAX_CHANNELS);
        int bytesPerFrame = chunk.getChannels() * (switch (chunk.getFormat()) {
            case PCM_S16LE -> 2;
            case PCM_F32LE -> 4;
        });
        int length = chunk.getData().remaining();
        if (length == 0 || length % bytesPerFrame != 0) {
            throw new InvalidRecordException("data holds " + length + " bytes, not a positive multiple of " + bytesPerFrame
                    + " (" + chunk.getChannels() + " channels of " + chunk.getFormat() + ")");
        }
        return new ModalEvent(chunk.getStreamId(), Modality.AUDIO, Times.micros(chunk.getCaptureTime()), chunk.getSeq(), NO_FEATURES,
                value, topic, partition, offset);
    }

    private ModalEvent validSensor(SensorReading reading, String topic, int partition, long offset) throws InvalidRecordException {
        checkCommon(reading.getStreamId(), Times.micros(reading.getCaptureTime()));
        if (reading.getSensorId() == null || reading.getSensorId().isBlank()) {
            throw new InvalidRecordException("sensorId is missing or empty");
        }
        List<Float> values = reading.getValues();
        if (values.isEmpty()) {
            throw new InvalidRecordException("values is empty");
        }
        float[] features = new float[values.size()];
        for (int i = 0; i < features.length; i++) {
            features[i] = values.get(i);
            if (!Float.isFinite(features[i])) {
                throw new InvalidRecordException("values[" + i + "] is " + features[i] + ", not a finite number");
            }
        }
        return ModalEvent.of(reading.getStreamId(), Modality.SENSOR, Times.micros(reading.getCaptureTime()), -1, features, topic, partition, offset);
    }

    private void checkCommon(String streamId, long captureMicros) throws InvalidRecordException {
        if (streamId == null || streamId.isBlank()) {
            throw new InvalidRecordException("streamId is missing or empty");
        }
        if (captureMicros < 0) {
            throw new InvalidRecordException("captureTime " + captureMicros + " is negative");
        }
        long ahead = captureMicros - wallClockMicros.getAsLong();
        if (ahead > limits.futureHorizonMicros()) {
            throw new InvalidRecordException("captureTime " + captureMicros + " is " + ahead / 1000 + " ms ahead of the wall clock, past the future horizon of "
                    + limits.futureHorizonMicros() / 1000 + " ms");
        }
    }

    private static void checkRange(String field, int value, int min, int max) throws InvalidRecordException {
        if (value < min || value > max) {
            throw new InvalidRecordException(field + " " + value + " is outside " + min + ".." + max);
        }
    }

    private Decoded reject(String topic, int partition, long offset, byte[] key, byte[] value, String stage, String error) {
        int size = value == null ? 0 : value.length;
        byte[] kept = value == null ? null : Arrays.copyOf(value, Math.min(size, limits.deadLetterValueBytes()));
        return Decoded.rejected(new Rejection(topic, partition, offset, key, kept, size, error, stage));
    }
}
