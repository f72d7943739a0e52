package io.mmstream.job.operators;

import io.mmstream.align.LateArrival;
import io.mmstream.job.sink.KeyedBytes;
import org.apache.flink.util.OutputTag;

/** The side outputs the operators share: one home, so that no operator depends on the graph that wires it. */
public final class SideOutputs {

    /** Encoded dead letters, for the dead-letter topic. */
    public static final OutputTag<KeyedBytes> DEAD_LETTERS = new OutputTag<>("dead-letters") {};
    /** Encoded window embeddings, for the embeddings topic. */
    public static final OutputTag<KeyedBytes> EMBEDDINGS = new OutputTag<>("embeddings") {};
    /** Events later than their own stream allows, for the late topic. */
    public static final OutputTag<LateArrival> LATE = new OutputTag<>("late-events") {};

    private SideOutputs() {}
}
