package io.mmstream.job;

import static io.mmstream.config.JobOptions.*;

import io.mmstream.align.ModalEvent;
import io.mmstream.align.Modality;
import io.mmstream.codec.Decoded;
import io.mmstream.codec.ValidationLimits;
import io.mmstream.config.JobConfig;
import io.mmstream.job.operators.AssembleWindow;
import io.mmstream.job.operators.EncodeLateEvent;
import io.mmstream.job.operators.LatenessDeadlineTrigger;
import io.mmstream.job.operators.RouteRejections;
import io.mmstream.job.sink.KafkaSinks;
import io.mmstream.job.sink.KeyedBytes;
import io.mmstream.job.source.CaptureTimeWatermarks;
import io.mmstream.job.source.InputRecordDeserializer;
import java.time.Duration;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.windowing.assigners.SlidingEventTimeWindows;
import org.apache.flink.util.OutputTag;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The job graph: Kafka sources per modality, decoding and dead letters, event-time sliding windows per stream,
 * aligned windows as predictions, and Kafka sinks. Built on a given environment so tests run the real graph.
 */
public final class Pipeline {

    /** Stable operator ids: savepoints map state by these, so never change them. */
    public static final String UID_ROUTE = "route-rejections";
    public static final String UID_WINDOWS = "align-windows";
    public static final String UID_LATE = "encode-late";
    public static final String UID_SINK_PREDICTIONS = "sink-predictions";
    public static final String UID_SINK_LATE = "sink-late";
    public static final String UID_SINK_DEADLETTER = "sink-deadletter";
    static final String ALIGNMENT_GROUP = "mmstream-inputs";

    public static final OutputTag<ModalEvent> LATE_EVENTS = new OutputTag<>("late-events") {};

    private Pipeline() {}

    public static void build(StreamExecutionEnvironment env, JobConfig config) {
        DataStream<Decoded> decoded = source(env, config, Modality.VIDEO, config.get(TOPIC_VIDEO), config.get(OUT_OF_ORDER_VIDEO))
                .union(source(env, config, Modality.AUDIO, config.get(TOPIC_AUDIO), config.get(OUT_OF_ORDER_AUDIO)),
                        source(env, config, Modality.SENSOR, config.get(TOPIC_SENSOR), config.get(OUT_OF_ORDER_SENSOR)));

        SingleOutputStreamOperator<ModalEvent> events = decoded.process(new RouteRejections()).uid(UID_ROUTE).name("Decode check and dead letters");
        SingleOutputStreamOperator<KeyedBytes> predictions = windows(events, config);

        predictions.sinkTo(KafkaSinks.to(config.get(TOPIC_PREDICTIONS), "predictions", config))
                .uid(UID_SINK_PREDICTIONS).name("Predictions to " + config.get(TOPIC_PREDICTIONS));
        predictions.getSideOutput(LATE_EVENTS).map(new EncodeLateEvent()).uid(UID_LATE).name("Late events")
                .sinkTo(KafkaSinks.to(config.get(TOPIC_LATE), "late", config))
                .uid(UID_SINK_LATE).name("Late events to " + config.get(TOPIC_LATE));
        events.getSideOutput(RouteRejections.DEAD_LETTERS)
                .sinkTo(KafkaSinks.to(config.get(TOPIC_DEADLETTER), "deadletter", config))
                .uid(UID_SINK_DEADLETTER).name("Dead letters to " + config.get(TOPIC_DEADLETTER));
    }

    /** keyBy(streamId), sliding event-time windows that fire once after the lateness, late events on {@link #LATE_EVENTS}. */
    public static SingleOutputStreamOperator<KeyedBytes> windows(DataStream<ModalEvent> events, JobConfig config) {
        Duration lateness = config.get(LATENESS);
        return events.keyBy(ModalEvent::streamId)
                .window(SlidingEventTimeWindows.of(config.get(WINDOW_SIZE), config.get(WINDOW_SLIDE)))
                .allowedLateness(lateness)
                .trigger(new LatenessDeadlineTrigger(lateness))
                .sideOutputLateData(LATE_EVENTS)
                .process(new AssembleWindow(config.get(GRID_STEP)))
                .uid(UID_WINDOWS).name("Align windows");
    }

    private static DataStream<Decoded> source(StreamExecutionEnvironment env, JobConfig config, Modality modality, String topic,
                                              Duration outOfOrderness) {
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
                .setDeserializer(new InputRecordDeserializer(modality, validationLimits(config)));
        if (config.get(BOUNDED)) {
            builder.setBounded(OffsetsInitializer.latest());
        }
        return env.fromSource(builder.build(),
                        CaptureTimeWatermarks.strategy(outOfOrderness, config.get(IDLENESS), ALIGNMENT_GROUP,
                                config.get(ALIGNMENT_MAX_DRIFT), config.get(ALIGNMENT_UPDATE_INTERVAL)),
                        modality.wireName() + " from " + topic)
                .uid("source-" + modality.wireName());
    }

    static ValidationLimits validationLimits(JobConfig config) {
        return new ValidationLimits(config.get(MAX_RECORD_BYTES), config.get(FUTURE_HORIZON).toNanos() / 1000, config.get(DEADLETTER_VALUE_BYTES));
    }
}
