package io.mmstream.benchmark;

import static io.mmstream.config.JobOptions.*;

import io.mmstream.align.AlignedWindow;
import io.mmstream.align.EmbeddedWindow;
import io.mmstream.align.ModalEvent;
import io.mmstream.align.Modality;
import io.mmstream.align.WindowAligner;
import io.mmstream.align.WindowTensors;
import io.mmstream.codec.WireCodec;
import io.mmstream.config.JobConfig;
import io.mmstream.inference.MediaEncoders;
import io.mmstream.inference.ModelSettings;
import io.mmstream.inference.Predictions;
import io.mmstream.inference.WindowHeads;
import io.mmstream.job.Pipeline;
import io.mmstream.align.WindowGeometry;
import io.mmstream.job.sink.KafkaSinks;
import io.mmstream.job.sink.KeyedBytes;
import io.mmstream.media.AudioPatches;
import io.mmstream.media.Pcm;
import io.mmstream.media.SensorResampler;
import io.mmstream.schema.AudioChunk;
import io.mmstream.config.Option;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.assigners.SlidingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/**
 * The job as people write it by hand, for `bench pipeline` to compare against: raw frames and audio chunks
 * buffered in window state, and when a window fires every frame decoded and encoded, every audio patch cut and
 * encoded, and the heads run, one item per model call. Same sources, models and outputs as the real job.
 */
final class NaiveBaseline {

    private NaiveBaseline() {}

    static void build(StreamExecutionEnvironment env, JobConfig config) {
        ModelSettings models = Pipeline.modelSettings(config);
        WindowGeometry geometry = Pipeline.geometry(config, models);
        captureTime(env, config, Modality.VIDEO, OUT_OF_ORDER_VIDEO)
                .union(captureTime(env, config, Modality.AUDIO, OUT_OF_ORDER_AUDIO), captureTime(env, config, Modality.SENSOR, OUT_OF_ORDER_SENSOR))
                .keyBy(ModalEvent::streamId)
                .window(SlidingEventTimeWindows.of(config.get(WINDOW_SIZE), config.get(WINDOW_SLIDE)))
                .process(new EverythingAtTheEnd(models, geometry, config.get(WINDOW_SLIDE).toNanos() / 1000))
                .sinkTo(KafkaSinks.to(config.get(TOPIC_PREDICTIONS), "naive-predictions", config));
    }

    /** Watermarks in capture time with a bounded out-of-orderness, per source subtask: what a hand-written job does. */
    private static DataStream<ModalEvent> captureTime(StreamExecutionEnvironment env, JobConfig config, Modality modality, Option<Duration> outOfOrderness) {
        return Pipeline.checked(env, config, modality).assignTimestampsAndWatermarks(WatermarkStrategy
                .<ModalEvent>forBoundedOutOfOrderness(config.get(outOfOrderness))
                .withTimestampAssigner((event, logTime) -> event.eventTimeMillis()));
    }

    private static final class EverythingAtTheEnd extends ProcessWindowFunction<ModalEvent, KeyedBytes, String, TimeWindow> {

        private final ModelSettings models;
        private final WindowGeometry geometry;
        private final long slideMicros;
        private transient ModelSettings.Leased<MediaEncoders> encoders;
        private transient ModelSettings.Leased<WindowHeads> heads;
        /** The graph's separation model, null where it runs none: the naive job does the same model work. */
        private transient ModelSettings.Leased<io.mmstream.inference.AudioSeparation> separation;
        private transient AudioPatches patches;
        private transient WindowAligner aligner;
        private transient SensorResampler imu;

        EverythingAtTheEnd(ModelSettings models, WindowGeometry geometry, long slideMicros) {
            this.models = models;
            this.geometry = geometry;
            this.slideMicros = slideMicros;
        }

        @Override
        public void open(OpenContext openContext) {
            encoders = models.encoders();
            heads = models.heads();
            separation = models.separationName() == null ? null : models.separation();
            patches = encoders.value().audioPatches();
            aligner = new WindowAligner(geometry.gridStepMicros());
            imu = new SensorResampler(geometry.imuMean(), geometry.imuStd(), geometry.imuMaxGapMicros());
        }

        @Override
        public void process(String stream, Context context, Iterable<ModalEvent> events, Collector<KeyedBytes> out) throws Exception {
            long start = context.window().getStart() * 1000;
            long end = context.window().getEnd() * 1000;
            List<ModalEvent> encoded = new ArrayList<>();
            List<AudioPatches.Chunk> chunks = new ArrayList<>();
            ModalEvent anyChunk = null;
            for (ModalEvent event : events) {
                switch (event.modality()) {
                    case VIDEO -> {
                        MediaEncoders.Encoded frame = encoders.value().frames(List.of(event.payload())).get(0);
                        if (frame.ok()) {
                            encoded.add(event.encoded(frame.embedding()));
                        }
                    }
                    case AUDIO -> {
                        AudioChunk chunk = WireCodec.decode(AudioChunk.class, event.payload());
                        chunks.add(new AudioPatches.Chunk(event.captureMicros(), Pcm.toMono(chunk.getData(), chunk.getFormat(), chunk.getChannels())));
                        anyChunk = event;
                    }
                    case SENSOR -> encoded.add(event);
                }
            }
            for (long instant = start; anyChunk != null && instant < end; instant += geometry.gridStepMicros()) {
                AudioPatches.Patch patch = patches.completePatch(instant, chunks);
                if (patch != null) {
                    MediaEncoders.Encoded embedding = encoders.value().audio(List.of(patch.logMel())).get(0);
                    if (embedding.ok()) {
                        encoded.add(ModalEvent.of(stream, Modality.AUDIO, instant, -1, embedding.embedding(), "", -1, -1));
                    }
                }
            }
            AlignedWindow aligned = aligner.align(stream, start, end, encoded);
            WindowTensors tensors = WindowTensors.of(aligned, geometry.videoWidth(), geometry.audioWidth(), imu, geometry.imuStepMicros(), geometry.imuSteps());
            WindowHeads.WindowResults result = heads.value().run(List.of(tensors)).get(0);
            if (separation != null && anyChunk != null) {
                // the window's audio separated, its last slide kept; a naive job writes it nowhere, but pays for it
                io.mmstream.inference.AudioSeparation model = separation.value();
                float[] audio = new float[model.input().samples()];
                AudioPatches.samples(model.input().rate(), AudioPatches.samplePosition(start, model.input().rate()), chunks, audio);
                model.separate(List.of(tensors), List.of(audio), audio.length - (int) (slideMicros * model.input().rate() / 1_000_000));
            }
            out.collect(new KeyedBytes(stream.getBytes(StandardCharsets.UTF_8),
                    WireCodec.encode(Predictions.of(EmbeddedWindow.of(aligned, tensors), result, null, List.of(), false, System.currentTimeMillis()))));
        }

        @Override
        public void close() {
            // open may have failed half-way: an exception here would be fatal to the TaskManager
            if (encoders != null) {
                encoders.close();
            }
            if (heads != null) {
                heads.close();
            }
            if (separation != null) {
                separation.close();
            }
        }
    }
}
