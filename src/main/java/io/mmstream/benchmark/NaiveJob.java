package io.mmstream.benchmark;

import io.mmstream.job.MmstreamJob;

/**
 * Entry point of the naive baseline on a Flink cluster, from the same job jar and with the same arguments as
 * {@link MmstreamJob} ({@code cluster.sh submit} with {@code MMSTREAM_ENTRY_CLASS=io.mmstream.benchmark.NaiveJob}):
 * what {@code bench pipeline --cluster} compares the pipeline with.
 */
public final class NaiveJob {

    private NaiveJob() {}

    public static void main(String[] args) throws Exception {
        MmstreamJob.run(args, flink -> {}, NaiveBaseline::build);
    }
}
