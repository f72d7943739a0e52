package io.mmstream.job;

import static io.mmstream.config.JobOptions.*;

import io.mmstream.align.EmbeddedWindow;
import io.mmstream.kafka.RegistryFraming;
import io.mmstream.align.FrameGrid;
import io.mmstream.align.ModalEvent;
import io.mmstream.align.Modality;
import io.mmstream.align.StreamClock;
import io.mmstream.align.WindowGeometry;
import io.mmstream.codec.Decoded;
import io.mmstream.codec.ValidationLimits;
import io.mmstream.config.JobConfig;
import io.mmstream.inference.BatchPolicy;
import io.mmstream.inference.Binding;
import io.mmstream.inference.MediaEncoders;
import io.mmstream.inference.InferenceOptions;
import io.mmstream.inference.ModelCard;
import io.mmstream.inference.ModelSettings;
import io.mmstream.inference.OverloadPolicy;
import io.mmstream.job.operators.AssembleWindow;
import io.mmstream.job.operators.CutAudioPatches;
import io.mmstream.job.operators.EncodeAudio;
import io.mmstream.job.operators.EncodeFrames;
import io.mmstream.job.operators.EncodeLateEvent;
import io.mmstream.job.operators.RouteRejections;
import io.mmstream.job.operators.RunAudioStepModels;
import io.mmstream.job.operators.RunElementModels;
import io.mmstream.job.operators.RunHeads;
import io.mmstream.job.operators.SeparateAudio;
import io.mmstream.job.operators.SideOutputs;
import io.mmstream.job.sink.KafkaSinks;
import io.mmstream.job.sink.KeyedBytes;
import io.mmstream.job.source.InputRecordDeserializer;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The job graph: Kafka sources per modality, decoding and dead letters, sliding windows on each stream's own event time,
 * aligned windows as predictions, and Kafka sinks. Built on a given environment so tests run the real graph.
 */
public final class Pipeline {

    /** Stable operator ids: savepoints map state by these, so never change them. */
    public static final String UID_ROUTE = "route-rejections";
    public static final String UID_ENCODE_FRAMES = "encode-frames";
    public static final String UID_FRAME_MODELS = "frame-models";
    public static final String UID_AUDIO_STEP_MODELS = "audio-step-models";
    public static final String UID_TEXT_MODELS = "text-models";
    public static final String UID_AUDIO_PATCHES = "cut-audio-patches";
    public static final String UID_ENCODE_AUDIO = "encode-audio";
    public static final String UID_WINDOWS = "stream-windows";
    public static final String UID_HEADS = "heads";
    public static final String UID_LATE = "encode-late";
    public static final String UID_SINK_PREDICTIONS = "sink-predictions";
    public static final String UID_SINK_LATE = "sink-late";
    public static final String UID_SINK_DEADLETTER = "sink-deadletter";
    public static final String UID_SINK_EMBEDDINGS = "sink-embeddings";
    public static final String UID_SEPARATION = "separate-audio";
    public static final String UID_SINK_SEPARATED = "sink-separated";
    private Pipeline() {}

    public static void build(StreamExecutionEnvironment env, JobConfig config) {
        ModelSettings models = modelSettings(config);
        models.verify();
        WindowGeometry geometry = geometry(config, models);
        Encoded encoded = encode(env, config, models, geometry);
        SingleOutputStreamOperator<EmbeddedWindow> windows = windows(encoded.forWindows(), config, geometry);
        // the windows' own partitioning by stream, taken as it is (no shuffle), so the heads keep per-stream state
        SingleOutputStreamOperator<KeyedBytes> predictions = DataStreamUtils.reinterpretAsKeyedStream(windows, EmbeddedWindow::streamId, Types.STRING)
                .transform("Heads", TypeInformation.of(KeyedBytes.class),
                        new RunHeads(models, new BatchPolicy(config.get(HEAD_BATCH_SIZE), config.get(HEAD_BATCH_DELAY).toNanos()), config.get(EMBEDDINGS), geometry, overload(config)))
                .uid(UID_HEADS);

        predictions.sinkTo(KafkaSinks.to(config.get(TOPIC_PREDICTIONS), "predictions", config))
                .uid(UID_SINK_PREDICTIONS).name("Predictions to " + config.get(TOPIC_PREDICTIONS));
        predictions.getSideOutput(SideOutputs.EMBEDDINGS)
                .sinkTo(KafkaSinks.to(config.get(TOPIC_EMBEDDINGS), "embeddings", config))
                .uid(UID_SINK_EMBEDDINGS).name("Embeddings to " + config.get(TOPIC_EMBEDDINGS));
        windows.getSideOutput(SideOutputs.LATE).union(encoded.patches().getSideOutput(SideOutputs.LATE))
                .map(new EncodeLateEvent()).uid(UID_LATE).name("Late events")
                .sinkTo(KafkaSinks.to(config.get(TOPIC_LATE), "late", config))
                .uid(UID_SINK_LATE).name("Late events to " + config.get(TOPIC_LATE));
        DataStream<KeyedBytes> deadLetters = encoded.deadLetters().union(predictions.getSideOutput(SideOutputs.DEAD_LETTERS));
        if (models.separationName() != null) {
            // each stream's chunks beside its fired windows (on the windows' own partitioning), the audio the windows never hold
            SingleOutputStreamOperator<KeyedBytes> separated = encoded.audioEvents().keyBy(ModalEvent::streamId)
                    .connect(DataStreamUtils.reinterpretAsKeyedStream(windows, EmbeddedWindow::streamId, Types.STRING))
                    .process(new SeparateAudio(models, micros(config.get(WINDOW_SLIDE)), config.get(STREAM_RETENTION).toMillis(), geometry, overload(config))).returns(TypeInformation.of(KeyedBytes.class))
                    .uid(UID_SEPARATION).name("Separate audio");
            separated.sinkTo(KafkaSinks.to(config.get(TOPIC_SEPARATED), "separated", config))
                    .uid(UID_SINK_SEPARATED).name("Separated audio to " + config.get(TOPIC_SEPARATED));
            deadLetters = deadLetters.union(separated.getSideOutput(SideOutputs.DEAD_LETTERS));
        }
        deadLetters.sinkTo(KafkaSinks.to(config.get(TOPIC_DEADLETTER), "deadletter", config))
                .uid(UID_SINK_DEADLETTER).name("Dead letters to " + config.get(TOPIC_DEADLETTER));
    }

    /**
     * Everything before the windows: the checked sources and the encoders.
     *
     * @param patches the audio cutter; its side output holds audio too late to cut
     * @param audioSteps the step results of the models run per audio step; null when models.run names none
     * @param texts text events, with the step results of the models run per text where models.run names some
     */
    public record Encoded(SingleOutputStreamOperator<ModalEvent> videoEvents, SingleOutputStreamOperator<ModalEvent> audioEvents,
                          SingleOutputStreamOperator<ModalEvent> sensors, SingleOutputStreamOperator<ModalEvent> frames,
                          SingleOutputStreamOperator<ModalEvent> patches, SingleOutputStreamOperator<ModalEvent> audio,
                          DataStream<ModalEvent> audioSteps, SingleOutputStreamOperator<ModalEvent> textEvents, DataStream<ModalEvent> texts) {

        /** Frame and audio-patch embeddings, sensor readings, audio step results and texts: what the windows hold. */
        public DataStream<ModalEvent> forWindows() {
            DataStream<ModalEvent> media = frames.union(audio, sensors, texts);
            return audioSteps == null ? media : media.union(audioSteps);
        }

        public DataStream<KeyedBytes> deadLetters() {
            return videoEvents.getSideOutput(SideOutputs.DEAD_LETTERS).union(audioEvents.getSideOutput(SideOutputs.DEAD_LETTERS),
                    sensors.getSideOutput(SideOutputs.DEAD_LETTERS), textEvents.getSideOutput(SideOutputs.DEAD_LETTERS),
                    frames.getSideOutput(SideOutputs.DEAD_LETTERS),
                    patches.getSideOutput(SideOutputs.DEAD_LETTERS), audio.getSideOutput(SideOutputs.DEAD_LETTERS));
        }
    }

    public static Encoded encode(StreamExecutionEnvironment env, JobConfig config, ModelSettings models, WindowGeometry geometry) {
        int deadLetterBytes = config.get(DEADLETTER_VALUE_BYTES);
        BatchPolicy encoderBatches = new BatchPolicy(config.get(ENCODER_BATCH_SIZE), config.get(ENCODER_BATCH_DELAY).toNanos());
        // each source checked on its own, so that the check (and the frame encoder) chain to the source in one task:
        // a union before the check cost a network hop, records serialised and copied, for every input record
        SingleOutputStreamOperator<ModalEvent> videoEvents = checked(env, config, Modality.VIDEO);
        SingleOutputStreamOperator<ModalEvent> audioEvents = checked(env, config, Modality.AUDIO);
        SingleOutputStreamOperator<ModalEvent> sensors = checked(env, config, Modality.SENSOR);
        // the models run from their card per frame see the frames first, while each still carries its image
        DataStream<ModalEvent> videoToEncode = !models.runs(ModelCard.Stage.FRAME) ? videoEvents : videoEvents
                .transform("Run frame models", TypeInformation.of(ModalEvent.class), new RunElementModels(models, ModelCard.Stage.FRAME, encoderBatches))
                .uid(UID_FRAME_MODELS);
        SingleOutputStreamOperator<ModalEvent> frames = videoToEncode
                .transform("Encode frames", TypeInformation.of(ModalEvent.class), new EncodeFrames(models, encoderBatches, deadLetterBytes, overload(config), geometry.gridStepMicros()))
                .uid(UID_ENCODE_FRAMES);
        Binding.LogMelPatch patch = MediaEncoders.logMelPatch(models.encoders(ModelCard.Stage.AUDIO_STEP).get(0));
        SingleOutputStreamOperator<ModalEvent> patches = audioEvents
                .keyBy(ModalEvent::streamId)
                .process(new CutAudioPatches(new FrameGrid(micros(config.get(WINDOW_SLIDE)), geometry.gridStepMicros()),
                        patch.params(), patch.frames(), streamRules(config), config.get(MAX_AUDIO_CHUNK), deadLetterBytes))
                .uid(UID_AUDIO_PATCHES).name("Cut audio patches");
        SingleOutputStreamOperator<ModalEvent> audio = patches
                .transform("Encode audio", TypeInformation.of(ModalEvent.class), new EncodeAudio(models, encoderBatches, deadLetterBytes))
                .uid(UID_ENCODE_AUDIO);
        // the models run from their card per audio step see each stream's chunks in order, beside the cutter
        DataStream<ModalEvent> audioSteps = !models.runs(ModelCard.Stage.AUDIO_STEP) ? null : audioEvents
                .keyBy(ModalEvent::streamId)
                .process(new RunAudioStepModels(models, config.get(STREAM_RETENTION).toMillis()))
                .uid(UID_AUDIO_STEP_MODELS).name("Run audio-step models");
        SingleOutputStreamOperator<ModalEvent> textEvents = checked(env, config, Modality.TEXT);
        DataStream<ModalEvent> texts = !models.runs(ModelCard.Stage.TEXT) ? textEvents : textEvents
                .transform("Run text models", TypeInformation.of(ModalEvent.class), new RunElementModels(models, ModelCard.Stage.TEXT, encoderBatches))
                .uid(UID_TEXT_MODELS);
        return new Encoded(videoEvents, audioEvents, sensors, frames, patches, audio, audioSteps, textEvents, texts);
    }

    /** keyBy(streamId), sliding windows on each stream's own event time, late events on {@link SideOutputs#LATE}. */
    public static SingleOutputStreamOperator<EmbeddedWindow> windows(DataStream<ModalEvent> events, JobConfig config, WindowGeometry geometry) {
        return events.keyBy(ModalEvent::streamId)
                .transform("Align windows", TypeInformation.of(EmbeddedWindow.class), new AssembleWindow.Operator(new AssembleWindow(geometry, streamRules(config))))
                .uid(UID_WINDOWS).name("Align windows");
    }

    /** How every stream's own event time moves and its windows close, from the options. */
    public static StreamClock.Rules streamRules(JobConfig config) {
        long[] outOfOrderness = new long[Modality.MEDIA.size()];
        outOfOrderness[Modality.VIDEO.ordinal()] = micros(config.get(OUT_OF_ORDER_VIDEO));
        outOfOrderness[Modality.AUDIO.ordinal()] = micros(config.get(OUT_OF_ORDER_AUDIO));
        outOfOrderness[Modality.SENSOR.ordinal()] = micros(config.get(OUT_OF_ORDER_SENSOR));
        return new StreamClock.Rules(micros(config.get(WINDOW_SIZE)), micros(config.get(WINDOW_SLIDE)), micros(config.get(LATENESS)),
                outOfOrderness, config.get(IDLENESS).toMillis(), config.get(STREAM_RETENTION).toMillis(), config.get(STARTUP_GRACE).toMillis());
    }

    public static ModelSettings modelSettings(JobConfig config) {
        return ModelSettings.of(config.get(MODELS_DIR), config.get(MODELS_RUN),
                new InferenceOptions(config.get(INFERENCE_PROVIDER), config.get(INFERENCE_THREADS), config.get(INFERENCE_CPU_FALLBACK)),
                config.get(MIN_COVERAGE)).withQuestions(config.get(MODELS_QUESTIONS));
    }

    /** Which frames the encoder samples and which windows the heads and the separation shed under overload (overload.*). */
    static OverloadPolicy overload(JobConfig config) {
        return new OverloadPolicy(config.get(MAX_WINDOW_LAG).toMillis(), config.get(FRAME_SAMPLING_LAG).toMillis());
    }

    /**
     * The windows' shape, from the heads' cards; refuses a configuration whose windows the models cannot read, naming
     * the file, the key and the value.
     */
    public static WindowGeometry geometry(JobConfig config, ModelSettings models) {
        WindowGeometry.Builder cards = models.geometry();
        WindowGeometry geometry = cards.build(micros(config.get(GRID_STEP)), micros(config.get(WINDOW_SIZE)));
        long step = geometry.gridStepMicros();
        if (micros(config.get(GRID_STEP)) != step) {
            throw config.rejection(GRID_STEP, "the window heads bind a grid of " + step + " us (" + cards.stepFrom() + ".step_us)");
        }
        if (cards.stepsFrom() != null && Math.abs(micros(config.get(WINDOW_SIZE)) - geometry.steps() * step) * 2 > step) {
            throw config.rejection(WINDOW_SIZE, "the window heads read windows of " + geometry.steps() + " steps of " + step + " us ("
                    + cards.stepsFrom() + ".steps)");
        }
        long slide = micros(config.get(WINDOW_SLIDE));
        if (Math.abs(slide - Math.round((double) slide / step) * step) * 100 > step) {
            throw config.rejection(WINDOW_SLIDE, "must be a whole number of grid steps (" + step + " us) so windows share their instants");
        }
        return geometry;
    }

    private static long micros(Duration duration) {
        return duration.toNanos() / 1000;
    }

    /** One modality's source with its decode check: valid events on, rejected records to the dead letters. */
    public static SingleOutputStreamOperator<ModalEvent> checked(StreamExecutionEnvironment env, JobConfig config, Modality modality) {
        return source(env, config, modality).process(new RouteRejections())
                .uid(UID_ROUTE + "-" + modality.wireName()).name("Check " + modality.wireName() + " and dead letters");
    }

    /**
     * One modality's Kafka source, decoding and validating. Its watermarks are in log time (the Kafka record
     * timestamps), not capture time: event time is kept per stream by the operators that need it, since the devices
     * sharing a partition share neither clocks nor network delays, while log time says how far the job has read, which
     * is what tells a silent modality from a slow path.
     */
    public static DataStream<Decoded> source(StreamExecutionEnvironment env, JobConfig config, Modality modality) {
        String topic = config.get(inputTopic(modality));
        var builder = KafkaSource.<Decoded>builder()
                .setProperties(config.kafkaProperties())
                .setBootstrapServers(config.get(BOOTSTRAP_SERVERS))
                .setTopics(topic)
                .setGroupId(config.get(GROUP_ID))
                .setStartingOffsets(switch (config.get(STARTING_OFFSETS)) {
                    case EARLIEST -> OffsetsInitializer.earliest();
                    case LATEST -> OffsetsInitializer.latest();
                    case COMMITTED -> OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
                })
                .setDeserializer(new InputRecordDeserializer(modality, validationLimits(config),
                        config.get(SCHEMA_REGISTRY_URL).isEmpty() ? null : new RegistryFraming(config.get(SCHEMA_REGISTRY_URL))));
        if (config.get(BOUNDED)) {
            builder.setBounded(OffsetsInitializer.latest());
        }
        // not aligned: a source paused for running ahead would soon look idle, and log time would pass its records unread
        WatermarkStrategy<Decoded> logTime = WatermarkStrategy.<Decoded>forMonotonousTimestamps().withIdleness(config.get(IDLENESS));
        return env.fromSource(builder.build(), logTime, modality.wireName() + " from " + topic)
                .uid("source-" + modality.wireName());
    }

    /** What the input decoder accepts, from the configuration: the job's sources and any tool that checks inputs as the job does. */
    public static ValidationLimits validationLimits(JobConfig config) {
        return new ValidationLimits(config.get(MAX_RECORD_BYTES), micros(config.get(FUTURE_HORIZON)), config.get(DEADLETTER_VALUE_BYTES),
                config.get(MAX_IMAGE_PIXELS), config.get(MAX_JPEG_SCANS), micros(config.get(MAX_AUDIO_CHUNK)), config.get(MAX_TEXT_CHARS));
    }
}
