package io.mmstream.job;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;

/** The MiniCluster of the job tests: one TaskManager with two slots, and no restarts, so a failure fails the test. */
final class MiniClusters {

    static final Configuration NO_RESTARTS = new Configuration();

    static {
        NO_RESTARTS.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    }

    private MiniClusters() {}

    static MiniClusterExtension twoSlots() {
        return new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
                .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).setConfiguration(NO_RESTARTS).build());
    }
}
