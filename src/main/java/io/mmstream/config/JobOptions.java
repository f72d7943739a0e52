package io.mmstream.config;

import io.mmstream.align.Modality;
import java.time.Duration;
import java.util.List;

/** The catalogue of every key a flink-jobs/*.yaml file may set, with its default and meaning. */
public final class JobOptions {

    public enum DeliveryGuarantee { EXACTLY_ONCE, AT_LEAST_ONCE }

    public enum StartingOffsets { EARLIEST, LATEST, COMMITTED }

    public enum StateBackend { HASHMAP, ROCKSDB }

    public enum WireFormat { SINGLE_OBJECT, CONFLUENT }

    /** Kafka client properties under this prefix are passed to every source and sink as they are. */
    public static final String KAFKA_PROPERTIES_PREFIX = "kafka.properties.";

    public static final Option<String> BOOTSTRAP_SERVERS = Option.string("kafka.bootstrap-servers", "localhost:9092",
            "Kafka bootstrap servers, host:port[,host:port...].");
    public static final Option<String> GROUP_ID = Option.string("kafka.group-id", "mmstream",
            "Consumer group of the job's sources (offsets are committed on checkpoints).");
    public static final Option<String> SCHEMA_REGISTRY_URL = Option.optionalString("kafka.schema-registry-url",
            "A Confluent-compatible schema registry (Apicurio: http://HOST:PORT/apis/ccompat/v7): inputs may then come in the Confluent wire format too.");
    public static final Option<WireFormat> WIRE_FORMAT = Option.choice("kafka.wire-format", WireFormat.SINGLE_OBJECT, WireFormat.class,
            "How the outputs are written: Avro single-object encoding, or the Confluent wire format with schemas in kafka.schema-registry-url.");

    public static final Option<String> TOPIC_VIDEO = Option.string("topics.video", "mm.video", "Input topic of VideoFrame records.");
    public static final Option<String> TOPIC_AUDIO = Option.string("topics.audio", "mm.audio", "Input topic of AudioChunk records.");
    public static final Option<String> TOPIC_SENSOR = Option.string("topics.sensor", "mm.sensor", "Input topic of SensorBatch and SensorReading records.");
    public static final Option<String> TOPIC_TEXT = Option.string("topics.text", "mm.text", "Input topic of TextEvent records.");
    public static final Option<String> TOPIC_PREDICTIONS = Option.string("topics.predictions", "mm.predictions", "Output topic of Prediction records.");
    public static final Option<String> TOPIC_LATE = Option.string("topics.late", "mm.late", "Output topic of LateEvent records.");
    public static final Option<String> TOPIC_DEADLETTER = Option.string("topics.deadletter", "mm.deadletter", "Output topic of DeadLetter records.");
    public static final Option<String> TOPIC_EMBEDDINGS = Option.string("topics.embeddings", "mm.embeddings",
            "Output topic of WindowEmbedding records: every embedding a window head's result decodes, one record per window and result.");
    public static final Option<String> TOPIC_SEPARATED = Option.string("topics.separated", "mm.audio.separated",
            "Output topic of AudioChunk records: each stream's audio as the separation model in models.run separates it (the actor's own "
            + "sounds), one chunk per window holding its last slide, so every stretch is published once.");

    public static final Option<StartingOffsets> STARTING_OFFSETS = Option.choice("source.starting-offsets", StartingOffsets.COMMITTED,
            StartingOffsets.class, "Where the sources start: the group's committed offsets (earliest when none), earliest or latest.");
    public static final Option<Boolean> BOUNDED = Option.bool("source.bounded", false,
            "Stop at the end offsets found at start-up, so the job finishes (replays, tests).");

    public static final Option<Duration> WINDOW_SIZE = Option.duration("window.size", "2s", false, "Length of each sliding event-time window.");
    public static final Option<Duration> WINDOW_SLIDE = Option.duration("window.slide", "1s", false, "Distance between window starts.");
    public static final Option<Duration> GRID_STEP = Option.duration("window.grid-step", "66667us", false,
            "Step of the common time grid the modalities are aligned on: the models' frame step (15 fps).");
    public static final Option<Duration> LATENESS = Option.duration("window.lateness", "500ms", true,
            "How long after its stream's event time passes a window's end the window still accepts events; it closes once, then.");

    public static final Option<Duration> OUT_OF_ORDER_VIDEO = Option.duration("watermark.out-of-orderness.video", "200ms", true,
            "Bound on how far one stream's video frames arrive out of capture order: its video clock is its newest frame less this.");
    public static final Option<Duration> OUT_OF_ORDER_AUDIO = Option.duration("watermark.out-of-orderness.audio", "200ms", true,
            "Bound on how far one stream's audio chunks arrive out of capture order.");
    public static final Option<Duration> OUT_OF_ORDER_SENSOR = Option.duration("watermark.out-of-orderness.sensor", "200ms", true,
            "Bound on how far one stream's sensor readings arrive out of capture order.");
    public static final Option<Duration> WATERMARK_INTERVAL = Option.duration("watermark.interval", "100ms", false,
            "How often the sources report how far they have read (in log time, the Kafka record timestamps).");
    public static final Option<Duration> IDLENESS = Option.duration("watermark.idleness", "5s", false,
            "A stream's modality silent this long (in log time; by processing time once the inputs are quiet) stops holding "
            + "the stream's windows back; when all are, the stream's last windows close. A partition silent this long stops "
            + "holding log time back.");
    public static final Option<Duration> STARTUP_GRACE = Option.duration("watermark.startup-grace", "60s", false,
            "After a (re)start, how long a modality whose path has delivered nothing yet (models still loading) is waited for "
            + "before it can count as idle, and before inputs that delivered nothing count as quiet.");
    public static final Option<Duration> STREAM_RETENTION = Option.duration("watermark.stream-retention", "10min", false,
            "How long a silent stream's clock is kept after its last windows closed, so records it flushes later count as late "
            + "instead of opening its closed windows again.");

    public static final Option<Duration> FUTURE_HORIZON = Option.duration("validation.future-horizon", "10s", false,
            "A capture time further ahead of the wall clock than this is rejected (it would close its stream's windows early).");
    public static final Option<Integer> MAX_RECORD_BYTES = Option.intInRange("validation.max-record-bytes", 4 << 20, 64, Integer.MAX_VALUE,
            "Largest accepted input record value, in bytes.");
    public static final Option<Integer> DEADLETTER_VALUE_BYTES = Option.intInRange("validation.deadletter-value-bytes", 64 << 10, 0, 512 << 10,
            "A dead letter keeps at most this many bytes of the original value (at most 512 KB, so a dead letter always fits "
            + "the outputs' 1 MB record limit).");
    public static final Option<Integer> MAX_IMAGE_PIXELS = Option.intInRange("validation.max-image-pixels", 4096 * 4096, 1, Integer.MAX_VALUE,
            "Largest width x height a frame may declare; its JPEG or PNG header must declare the same size, checked before decoding.");
    public static final Option<Integer> MAX_JPEG_SCANS = Option.intInRange("validation.max-jpeg-scans", 64, 1, 65_536,
            "Most scans a JPEG frame may hold (a progressive JPEG decodes in one pass over the image per scan).");
    public static final Option<Duration> MAX_AUDIO_CHUNK = Option.duration("validation.max-audio-chunk", "10s", false,
            "Longest audio chunk accepted: the audio cutter keeps chunks until every patch they reach is cut.");
    public static final Option<Integer> MAX_TEXT_CHARS = Option.intInRange("validation.max-text-chars", 4096, 1, 1 << 20,
            "Longest text event accepted, in characters; a longer one is a dead letter, never cut.");

    public static final Option<DeliveryGuarantee> DELIVERY_GUARANTEE = Option.choice("delivery.guarantee", DeliveryGuarantee.EXACTLY_ONCE,
            DeliveryGuarantee.class, "exactly-once (transactional, visible to read_committed consumers at each checkpoint) or at-least-once.");
    public static final Option<String> JOB_NAME = Option.string("job.name", "mmstream", "The Flink job's name.");
    public static final Option<String> TRANSACTIONAL_ID_PREFIX = Option.optionalString("delivery.transactional-id-prefix",
            "Prefix of the sinks' Kafka transactional ids, unique per job on a Kafka cluster; empty: job.name-kafka.group-id, "
            + "so two jobs share one only if they also share their consumer group.");
    public static final Option<Duration> TRANSACTION_TIMEOUT = Option.duration("delivery.transaction-timeout", "10min", false,
            "Kafka transaction timeout; must stay under the broker's transaction.max.timeout.ms (15min by default).");

    public static final Option<Duration> RECOVERY_BUDGET = Option.duration("delivery.recovery-budget", "5min", false,
            "Longest outage (failure, restarts and recovery) the exactly-once sinks survive: checkpoint.timeout + checkpoint.interval "
            + "+ this must stay under delivery.transaction-timeout, or the broker aborts the open transactions and their results are lost.");

    public static final Option<Duration> CHECKPOINT_TIMEOUT = Option.duration("checkpoint.timeout", "2min", false,
            "A checkpoint not complete after this long is abandoned.");
    public static final Option<Duration> RESTART_INITIAL_BACKOFF = Option.duration("restart.initial-backoff", "1s", false,
            "First wait before the job restarts after a failure; each further failure doubles it, up to restart.max-backoff.");
    public static final Option<Duration> RESTART_MAX_BACKOFF = Option.duration("restart.max-backoff", "1min", false,
            "Longest wait between restarts: the job keeps restarting through any outage, never failing for good.");
    public static final Option<Duration> RESTART_RESET_AFTER = Option.duration("restart.reset-after", "10min", false,
            "After running this long without a failure, the back-off starts again from restart.initial-backoff.");
    public static final Option<Duration> CHECKPOINT_INTERVAL = Option.duration("checkpoint.interval", "5s", false,
            "Checkpoint interval; with exactly-once, predictions become visible at this pace.");
    public static final Option<String> CHECKPOINT_DIR = Option.optionalString("checkpoint.dir",
            "Where checkpoints are written (file://, s3://...); empty: Flink's execution.checkpointing.dir, or the JobManager's "
            + "memory, which takes at most 5 MB of state (some 50 streams).");
    public static final Option<StateBackend> STATE_BACKEND = Option.choice("state.backend", StateBackend.HASHMAP, StateBackend.class,
            "Window state on the heap (hashmap) or in RocksDB (rocksdb) for large state.");
    public static final Option<Duration> BUFFER_TIMEOUT = Option.duration("network.buffer-timeout", "10ms", true,
            "Longest a record waits in a network buffer between operators (Flink's default, 100ms, added up to that at every hop).");
    public static final Option<Integer> PARALLELISM = Option.intInRange("parallelism", 2, 1, 4096, "Parallelism of every operator.");

    public static final Option<String> MODELS_DIR = Option.string("models.dir", "classpath:onnx-models",
            "Directory of the model files and cards, or classpath:DIR for the models packed into the job jar.");
    public static final Option<List<String>> MODELS_RUN = Option.names("models.run",
            "The models the job runs, each a card name in models.dir, in order: the encoders whose embeddings the windows hold, models "
            + "per frame, audio step or text, and window heads, whose results join each window's prediction in this order; empty: "
            + "the list in models.dir's models.yaml.");
    public static final Option<List<String>> MODELS_QUESTIONS = Option.texts("models.questions",
            "is anyone on the floor?,how many people are there?,is the light on?,are sound and picture in sync?",
            "Standing questions, in words (no commas; quoted in a YAML list), that a question-answering head (a card binding a question) answers for every window; "
            + "each answer is a result of the prediction naming its question. Empty: none asked.");
    public static final Option<Double> MIN_COVERAGE = Option.fraction("models.min-coverage", "0.5",
            "Share of a window's grid steps a head's modality must cover, or the head gives no label and says why.");
    public static final Option<io.mmstream.inference.ExecutionProvider> INFERENCE_PROVIDER = Option.choice("inference.provider",
            io.mmstream.inference.ExecutionProvider.CPU, io.mmstream.inference.ExecutionProvider.class,
            "ONNX Runtime execution provider: cpu, or cuda (job jar built with -Pcuda, an NVIDIA GPU and CUDA).");
    public static final Option<Boolean> INFERENCE_CPU_FALLBACK = Option.bool("inference.cpu-fallback", false,
            "With inference.provider cuda: run on the CPU, with a warning, when CUDA is not available, instead of refusing to start.");
    public static final Option<Integer> INFERENCE_THREADS = Option.intInRange("inference.intra-op-threads", 1, 1, 256,
            "ONNX Runtime intra-op threads per model session (one session per model per TaskManager, shared by its slots).");
    public static final Option<Integer> ENCODER_BATCH_SIZE = Option.intInRange("inference.encoder-batch-size", 32, 1, 4096,
            "Frames or audio patches encoded in one model call at most.");
    public static final Option<Duration> ENCODER_BATCH_DELAY = Option.duration("inference.encoder-batch-delay", "20ms", true,
            "Longest a frame or audio patch waits for its batch to fill.");
    public static final Option<Integer> HEAD_BATCH_SIZE = Option.intInRange("inference.head-batch-size", 64, 1, 4096,
            "Windows run through the per-window heads in one model call at most.");
    public static final Option<Duration> HEAD_BATCH_DELAY = Option.duration("inference.head-batch-delay", "20ms", true,
            "Longest a fired window waits for its batch to fill.");
    public static final Option<Duration> MAX_WINDOW_LAG = Option.duration("overload.max-window-lag", "0s", true,
            "Under overload, a window whose end lies further behind the wall clock than this when its heads would run is shed: "
                    + "its prediction says so in every result's reason, and no model runs on it (0: never shed).");
    public static final Option<Duration> FRAME_SAMPLING_LAG = Option.duration("overload.frame-sampling-lag", "0s", true,
            "Under overload, before any window is shed: a video frame that reaches the frame encoder more than this after Kafka logged it "
                    + "is encoded only at every 2nd grid step (every 4th past twice this, every 8th past three times), the steps between "
                    + "repeating the stream's last encoded frame; audio and sensors lose nothing (0: every frame is encoded).");

    /** The input topic of a modality. */
    public static Option<String> inputTopic(Modality modality) {
        return switch (modality) {
            case VIDEO -> TOPIC_VIDEO;
            case AUDIO -> TOPIC_AUDIO;
            case SENSOR -> TOPIC_SENSOR;
            case TEXT -> TOPIC_TEXT;
        };
    }

    public static final Option<Boolean> EMBEDDINGS = Option.bool("predictions.embeddings", false,
            "Whether a model result that is an embedding (e.g. a text model's) carries it in the prediction; off, it says so in its reason.");

    /** Every topic the job reads or writes. */
    public static final List<Option<String>> TOPICS = List.of(
            TOPIC_VIDEO, TOPIC_AUDIO, TOPIC_SENSOR, TOPIC_TEXT, TOPIC_PREDICTIONS, TOPIC_LATE, TOPIC_DEADLETTER, TOPIC_EMBEDDINGS, TOPIC_SEPARATED);

    public static final List<Option<?>> ALL = List.of(
            BOOTSTRAP_SERVERS, GROUP_ID, SCHEMA_REGISTRY_URL, WIRE_FORMAT,
            TOPIC_VIDEO, TOPIC_AUDIO, TOPIC_SENSOR, TOPIC_TEXT, TOPIC_PREDICTIONS, TOPIC_LATE, TOPIC_DEADLETTER, TOPIC_EMBEDDINGS, TOPIC_SEPARATED,
            STARTING_OFFSETS, BOUNDED,
            WINDOW_SIZE, WINDOW_SLIDE, GRID_STEP, LATENESS,
            OUT_OF_ORDER_VIDEO, OUT_OF_ORDER_AUDIO, OUT_OF_ORDER_SENSOR, WATERMARK_INTERVAL, IDLENESS, STARTUP_GRACE, STREAM_RETENTION,
            FUTURE_HORIZON, MAX_RECORD_BYTES, DEADLETTER_VALUE_BYTES, MAX_IMAGE_PIXELS, MAX_JPEG_SCANS, MAX_AUDIO_CHUNK, MAX_TEXT_CHARS,
            JOB_NAME, DELIVERY_GUARANTEE, TRANSACTIONAL_ID_PREFIX, TRANSACTION_TIMEOUT, RECOVERY_BUDGET,
            CHECKPOINT_INTERVAL, CHECKPOINT_TIMEOUT, RESTART_INITIAL_BACKOFF, RESTART_MAX_BACKOFF, RESTART_RESET_AFTER, CHECKPOINT_DIR, STATE_BACKEND, BUFFER_TIMEOUT, PARALLELISM,
            MODELS_DIR, MODELS_RUN, MODELS_QUESTIONS, MIN_COVERAGE, EMBEDDINGS, INFERENCE_PROVIDER, INFERENCE_CPU_FALLBACK, INFERENCE_THREADS,
            ENCODER_BATCH_SIZE, ENCODER_BATCH_DELAY, HEAD_BATCH_SIZE, HEAD_BATCH_DELAY, MAX_WINDOW_LAG, FRAME_SAMPLING_LAG);

    private JobOptions() {}
}
