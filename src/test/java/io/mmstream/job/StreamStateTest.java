package io.mmstream.job;

import static io.mmstream.codec.WireRecordsFixtures.T0_MICROS;
import static org.assertj.core.api.Assertions.assertThat;

import io.mmstream.align.EmbeddedWindow;
import io.mmstream.align.FrameGrid;
import io.mmstream.align.ModalEvent;
import io.mmstream.align.Modality;
import io.mmstream.codec.Times;
import io.mmstream.codec.WireCodec;
import io.mmstream.config.JobConfig;
import io.mmstream.job.operators.AssembleWindow;
import io.mmstream.job.operators.CutAudioPatches;
import io.mmstream.config.JobOptions;
import io.mmstream.job.operators.SideOutputs;
import io.mmstream.schema.DeadLetter;
import io.mmstream.media.AudioPatches;
import io.mmstream.media.LogMel;
import io.mmstream.media.Pcm;
import io.mmstream.schema.AudioChunk;
import io.mmstream.schema.SampleFormat;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.transformations.OneInputTransformation;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What the job keeps per stream, measured on its real operators: embeddings only, and nothing once a stream is gone. */
class StreamStateTest {

    private static final long MS = 1000;
    private static final JobConfig CONFIG = JobConfig.defaults(Map.of());
    private static final FrameGrid GRID = new FrameGrid(1_000_000, 66_667);

    @ParameterizedTest
    @ValueSource(strings = {"hashmap", "rocksdb"})
    void windowStateHoldsEmbeddingsAndIsGoneAfterTheLastWindow(String backend) throws Exception {
        io.mmstream.align.WindowGeometry layout = Pipeline.geometry(CONFIG, Pipeline.modelSettings(CONFIG));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        var windows = Pipeline.windows(env.fromData(event(Modality.VIDEO, 0, 64)), CONFIG, layout);
        @SuppressWarnings("unchecked")
        var transformation = (OneInputTransformation<ModalEvent, EmbeddedWindow>) windows.getTransformation();
        try (var harness = new KeyedOneInputStreamOperatorTestHarness<>(transformation.getOperatorFactory(), ModalEvent::streamId, Types.STRING)) {
            if (backend.equals("rocksdb")) {
                harness.setStateBackend(new EmbeddedRocksDBStateBackend());
            }
            harness.open();
            // one stream at the models' rates for 4 s: 15 frame and 15 audio-patch embeddings a second, 100 IMU readings
            for (long t = 0; t < 4_000 * MS; t += 10 * MS) {
                if (t % 66_667 < 10 * MS) {
                    send(harness, event(Modality.VIDEO, t, layout.videoWidth()));
                    send(harness, event(Modality.AUDIO, t, layout.audioWidth()));
                }
                send(harness, event(Modality.SENSOR, t, 6));
            }
            // steady state: the stream's clock at 3.8 s, [2 s, 4 s) and [3 s, 5 s) open: 2 s of events, each held once
            long bytes = harness.snapshot(1, 1).getStateSize();
            System.out.printf("window state of one stream in steady state (%s): %d bytes%n", backend, bytes);
            // 2 s x (15 + 15 embeddings of 64 floats + 100 readings of 6 floats), with per-event metadata: tens of
            // kilobytes, where the JPEG frames alone would be 2 x 30 x ~4 KB, and half what windows that store each event
            // once per window they cover held
            assertThat(bytes).isBetween(2L * (30 * 64 + 100 * 6) * 4, 100_000L);

            // the stream stops: its last windows close once the inputs are quiet, and its clock goes after the retention
            harness.processWatermark(T0_MICROS / 1000 + 4_000);
            harness.processWatermarkStatus(WatermarkStatus.IDLE);
            harness.setProcessingTime(CONFIG.get(JobOptions.IDLENESS).toMillis());
            harness.setProcessingTime(2 * CONFIG.get(JobOptions.IDLENESS).toMillis());
            harness.setProcessingTime(CONFIG.get(JobOptions.STREAM_RETENTION).toMillis() + 1);
            assertThat(harness.extractOutputValues()).hasSize(5);
            if (backend.equals("hashmap")) {
                // the harness counts entries of the heap backend only; RocksDB runs the same operator over other storage
                assertThat(harness.numKeyedStateEntries()).isZero();
                assertThat(harness.numProcessingTimeTimers()).isZero();
            }
        }
    }

    @Test
    void audioPatchesAreCutAsSoonAsTheirChunksArriveInAnyOrderAndTheStateEmptiesBehindTheStreamsAudioTime() throws Exception {
        AudioPatches patches = new AudioPatches(LogMel.Params.standard(), 8);
        Random random = new Random(3);
        List<AudioPatches.Chunk> chunks = new ArrayList<>();
        List<ModalEvent> events = new ArrayList<>();
        for (int c = 0; c < 10; c++) {
            float[] samples = new float[1600];
            for (int i = 0; i < samples.length; i++) {
                samples[i] = (float) (0.3 * Math.sin(i * 0.07 * (c + 1)) + 0.01 * random.nextGaussian());
            }
            long start = T0_MICROS + c * 100_000L;
            byte[] pcm = Pcm.toS16le(samples);
            chunks.add(new AudioPatches.Chunk(start, Pcm.toMono(ByteBuffer.wrap(pcm), SampleFormat.PCM_S16LE, 1)));
            AudioChunk chunk = AudioChunk.newBuilder().setStreamId("s").setCaptureTime(Times.ofMicros(start)).setSeq(c).setSampleRate(16_000)
                    .setChannels(1).setFormat(SampleFormat.PCM_S16LE).setData(ByteBuffer.wrap(pcm)).build();
            events.add(new ModalEvent("s", Modality.AUDIO, start, c, new float[0], WireCodec.encode(chunk), "mm.audio", 0, c));
        }
        Collections.shuffle(events, random);

        try (var harness = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new CutAudioPatches(GRID, io.mmstream.media.LogMel.Params.standard(), 8, Pipeline.streamRules(JobConfig.defaults(Map.of("window.lateness", "0ms",
                        "watermark.out-of-orderness.audio", "1s"))), Duration.ofSeconds(10), 1024)), ModalEvent::streamId, Types.STRING)) {
            harness.open();
            for (ModalEvent event : events) {
                harness.processElement(event, event.eventTimeMillis());
            }
            // 1 s of audio from T0 serves the instants from T0 + 66.7 ms to T0 + 933 ms: a patch reaches 47.5 ms either side
            List<ModalEvent> cut = harness.extractOutputValues();
            assertThat(cut).extracting(ModalEvent::captureMicros).containsExactlyInAnyOrderElementsOf(instants(T0_MICROS + 66_667, T0_MICROS + 933_338));
            for (ModalEvent patch : cut) {
                assertThat(patch.features()).as("the patch at %d, whatever the arrival order", patch.captureMicros())
                        .containsExactly(patches.patch(patch.captureMicros(), chunks).logMel());
            }
            // the same chunk delivered twice cuts nothing more; a chunk with the same start but other samples is a dead letter
            ModalEvent again = events.get(0);
            harness.processElement(again, again.eventTimeMillis());
            AudioChunk original = WireCodec.decode(AudioChunk.class, again.payload());
            original.setData(ByteBuffer.wrap(new byte[original.getData().remaining()]));
            harness.processElement(new ModalEvent("s", Modality.AUDIO, again.captureMicros(), 99, new float[0], WireCodec.encode(original),
                    "mm.audio", 0, 99), again.eventTimeMillis());
            assertThat(harness.extractOutputValues()).hasSize(cut.size());
            assertThat(harness.getSideOutput(SideOutputs.DEAD_LETTERS)).singleElement()
                    .satisfies(letter -> assertThat(WireCodec.decode(DeadLetter.class, letter.getValue().value()).getError())
                            .contains("differs from the chunk already received with the same capture time"));

            long bytes = harness.snapshot(1, 1).getStateSize();
            System.out.printf("audio state of one stream holding 1 s of chunks: %d bytes%n", bytes);

            // a chunk 2 s on moves the stream's audio time past every held chunk: they leave, and the first is late now
            harness.processElement(shifted(events.get(0), 2_000_000), events.get(0).eventTimeMillis());
            assertThat(harness.numKeyedStateEntries()).as("the new chunk, the stream's newest end, its last arrival").isEqualTo(3);
            harness.processElement(events.get(0), events.get(0).eventTimeMillis());
            assertThat(harness.getSideOutput(SideOutputs.LATE)).as("a chunk behind the stream's audio time is late").hasSize(1);

            // audio silent for the idle timeout keeps its chunks (a stalled task looks silent too); for the retention: nothing is left
            harness.setProcessingTime(CONFIG.get(JobOptions.IDLENESS).toMillis());
            assertThat(harness.numKeyedStateEntries()).as("the chunk, the stream's newest end and last arrival").isEqualTo(3);
            harness.setProcessingTime(CONFIG.get(JobOptions.STREAM_RETENTION).toMillis());
            assertThat(harness.numKeyedStateEntries()).isZero();
            assertThat(harness.numProcessingTimeTimers()).isZero();
        }
    }

    /**
     * The separation operator publishes each window's last slide once, whichever of a window and its chunks comes
     * first, keeps only what later windows can use, and nothing once the stream's audio has been silent for the
     * retention.
     */
    @Test
    void separationPublishesEachWindowsLastSlideOnceWhicheverComesFirstAndKeepsNothingAfterTheRetention() throws Exception {
        io.mmstream.inference.ModelSettings models = Pipeline.modelSettings(CONFIG);
        io.mmstream.align.WindowGeometry layout = Pipeline.geometry(CONFIG, models);
        long retention = CONFIG.get(JobOptions.STREAM_RETENTION).toMillis();
        var operator = new org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator<>(new io.mmstream.job.operators.SeparateAudio(models, 1_000_000, retention, layout, new io.mmstream.inference.OverloadPolicy(0)));
        try (var harness = new org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness<>(operator, ModalEvent::streamId,
                EmbeddedWindow::streamId, Types.STRING)) {
            harness.open();
            List<ModalEvent> chunks = new ArrayList<>();
            Random random = new Random(5);
            for (int c = 0; c < 50; c++) {
                float[] samples = new float[1600];
                for (int i = 0; i < samples.length; i++) {
                    samples[i] = (float) (0.1 * random.nextGaussian());
                }
                AudioChunk chunk = AudioChunk.newBuilder().setStreamId("s").setCaptureTime(Times.ofMicros(T0_MICROS + c * 100_000L)).setSeq(c)
                        .setSampleRate(16_000).setChannels(1).setFormat(SampleFormat.PCM_S16LE).setData(ByteBuffer.wrap(Pcm.toS16le(samples))).build();
                chunks.add(new ModalEvent("s", Modality.AUDIO, T0_MICROS + c * 100_000L, c, new float[0], WireCodec.encode(chunk), "mm.audio", 0, c));
            }
            // each window comes before its audio: it waits, and is separated once the chunks reach its last step
            for (int w = 0; w < 2; w++) {
                harness.processElement2(window(T0_MICROS + w * 1_000_000L, layout), 0);
                for (ModalEvent chunk : chunks.subList(w == 0 ? 0 : 20, w == 0 ? 20 : 30)) {
                    assertThat(harness.extractOutputValues()).as("window %d waits for its audio", w).hasSize(w);
                    harness.processElement1(chunk, chunk.eventTimeMillis());
                }
                assertThat(harness.extractOutputValues()).hasSize(w + 1);
            }
            // the third's audio stops half-way through its last second: it goes with what came once it has waited
            harness.processElement2(window(T0_MICROS + 2_000_000, layout), 0);
            for (ModalEvent chunk : chunks.subList(30, 35)) {
                harness.processElement1(chunk, chunk.eventTimeMillis());
            }
            assertThat(harness.extractOutputValues()).hasSize(2);
            harness.setProcessingTime(io.mmstream.job.operators.SeparateAudio.WAIT_MILLIS);
            List<Long> starts = new ArrayList<>();
            for (io.mmstream.job.sink.KeyedBytes record : harness.extractOutputValues()) {
                AudioChunk separated = WireCodec.decode(AudioChunk.class, record.value());
                assertThat(separated.getSampleRate()).isEqualTo(16_000);
                assertThat(separated.getData().remaining()).as("one second of 16-bit samples").isEqualTo(32_000);
                starts.add(Times.micros(separated.getCaptureTime()));
            }
            assertThat(starts).as("each window's last second, once").containsExactly(T0_MICROS + 1_000_000, T0_MICROS + 2_000_000, T0_MICROS + 3_000_000);
            // the fourth overtakes chunks that keep coming, slowly (a backlog): it waits past WAIT_MILLIS until they reach it
            long now = io.mmstream.job.operators.SeparateAudio.WAIT_MILLIS;
            harness.processElement2(window(T0_MICROS + 3_000_000, layout), 0);
            for (ModalEvent chunk : chunks.subList(35, 50)) {
                now += 1_000;
                harness.setProcessingTime(now);
                assertThat(harness.extractOutputValues()).as("waited %d ms with its audio still coming", now - 2_000).hasSize(3);
                harness.processElement1(chunk, chunk.eventTimeMillis());
            }
            assertThat(harness.extractOutputValues()).hasSize(4);
            assertThat(Times.micros(WireCodec.decode(AudioChunk.class, harness.extractOutputValues().get(3).value()).getCaptureTime()))
                    .isEqualTo(T0_MICROS + 4_000_000);
            // silence for the retention: the stream leaves nothing
            harness.setProcessingTime(now + retention);
            assertThat(harness.numKeyedStateEntries()).isZero();
            assertThat(harness.numProcessingTimeTimers()).isZero();
        }
    }

    /** A fired window of stream s with every step present. */
    private static EmbeddedWindow window(long start, io.mmstream.align.WindowGeometry layout) {
        int steps = 30;
        float[] present = new float[steps];
        java.util.Arrays.fill(present, 1);
        io.mmstream.align.WindowTensors tensors = new io.mmstream.align.WindowTensors(new float[steps * layout.videoWidth()], present.clone(),
                new float[steps * layout.audioWidth()], present.clone(), new float[200 * 6], new float[200]);
        return new EmbeddedWindow("s", start, start + 2_000_000, 66_667, List.of(), tensors, Map.of(), List.of());
    }

    /** The same chunk, captured later. */
    private static ModalEvent shifted(ModalEvent event, long micros) throws Exception {
        AudioChunk chunk = WireCodec.decode(AudioChunk.class, event.payload());
        chunk.setCaptureTime(Times.ofMicros(event.captureMicros() + micros));
        return new ModalEvent("s", Modality.AUDIO, event.captureMicros() + micros, 100, new float[0], WireCodec.encode(chunk), "mm.audio", 0, 100);
    }

    private static List<Long> instants(long first, long last) {
        List<Long> out = new ArrayList<>();
        for (long instant = first; instant <= last; instant = GRID.next(instant)) {
            out.add(instant);
        }
        return out;
    }

    private static ModalEvent event(Modality modality, long offsetMicros, int values) {
        float[] features = new float[values];
        java.util.Arrays.fill(features, 0.5f);
        return ModalEvent.of("s", modality, T0_MICROS + offsetMicros, 0, features, "mm." + modality.wireName(), 0, offsetMicros);
    }

    private static void send(KeyedOneInputStreamOperatorTestHarness<String, ModalEvent, ?> harness, ModalEvent event) throws Exception {
        harness.processElement(event, event.eventTimeMillis());
    }
}
