package io.mmstream.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.mmstream.align.Modality;
import io.mmstream.codec.Times;
import io.mmstream.schema.Label;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SceneSimulatorTest {

    private static final long EPOCH = 1_700_000_000_000_000L;
    private static final long SECOND = 1_000_000;
    private static final int SAMPLE_RATE = 16_000;
    private static final int HOP = 160;

    private static SimulationSettings clean(int streams) {
        return SimulationSettings.defaults(streams).withDelivery(SimulationSettings.Delivery.perfect());
    }

    @Test
    void theSameSeedGivesTheSameBytes() {
        SimulationSettings settings = SimulationSettings.defaults(2).withSeed(11);
        List<SimRecord> first = new SceneSimulator(settings, EPOCH).records(EPOCH, EPOCH + 3 * SECOND);
        List<SimRecord> second = new SceneSimulator(settings, EPOCH).records(EPOCH, EPOCH + 3 * SECOND);
        List<SimRecord> otherSeed = new SceneSimulator(settings.withSeed(12), EPOCH).records(EPOCH, EPOCH + 3 * SECOND);

        assertThat(first).hasSameSizeAs(second);
        for (int i = 0; i < first.size(); i++) {
            assertThat(second.get(i).value()).isEqualTo(first.get(i).value());
            assertThat(second.get(i).deliveryMicros()).isEqualTo(first.get(i).deliveryMicros());
        }
        assertThat(new SceneSimulator(settings, EPOCH).labels(EPOCH, EPOCH + 60 * SECOND))
                .isEqualTo(new SceneSimulator(settings, EPOCH).labels(EPOCH, EPOCH + 60 * SECOND));
        assertThat(otherSeed.get(0).value()).isNotEqualTo(first.get(0).value());
    }

    @Test
    void aTimeRangeGeneratedInPiecesEqualsItGeneratedAtOnce() {
        SimulationSettings settings = SimulationSettings.defaults(1).withSeed(5);
        List<SimRecord> whole = new SceneSimulator(settings, EPOCH).records(EPOCH, EPOCH + 2 * SECOND);
        SceneSimulator pieces = new SceneSimulator(settings, EPOCH);
        List<SimRecord> joined = new ArrayList<>(pieces.records(EPOCH, EPOCH + 700_000));
        joined.addAll(pieces.records(EPOCH + 700_000, EPOCH + 2 * SECOND));
        Comparator<SimRecord> order = Comparator.comparing(SimRecord::modality).thenComparingLong(SimRecord::captureMicros);
        whole.sort(order);
        joined.sort(order);
        assertThat(joined).hasSameSizeAs(whole);
        for (int i = 0; i < whole.size(); i++) {
            assertThat(joined.get(i).value()).isEqualTo(whole.get(i).value());
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 80_000, -40_000})
    void everySoundStartsWithinOneHopOfItsVisualCausePlusTheOffset(long offsetMicros) {
        SceneSimulator simulator = new SceneSimulator(clean(3).withAvOffset(offsetMicros, 0, 0), EPOCH);
        int checked = 0;
        for (StreamScene scene : simulator.scenes()) {
            List<SoundEvent> events = scene.soundEvents(EPOCH + SECOND, EPOCH + 90 * SECOND);
            for (int i = 0; i < events.size(); i++) {
                SoundEvent event = events.get(i);
                boolean isolated = (i == 0 || event.visualMicros() - events.get(i - 1).visualMicros() > 250_000)
                        && (i == events.size() - 1 || events.get(i + 1).visualMicros() - event.visualMicros() > 150_000);
                if (!isolated) {
                    continue;
                }
                long expected = event.visualMicros() + offsetMicros;
                long detected = onset(scene, expected);
                assertThat(Math.abs(detected - expected)).as("%s at %d us heard at %d us", event.kind(), expected, detected)
                        .isLessThanOrEqualTo(HOP * 1_000_000L / SAMPLE_RATE);
                assertVisualCause(scene, event);
                checked++;
            }
            assertThat(scene.labels(EPOCH, EPOCH + 60 * SECOND)).allSatisfy(label -> assertThat(label.getAvOffsetMicros()).isEqualTo(offsetMicros));
        }
        assertThat(checked).as("isolated sound events checked").isGreaterThan(50);
    }

    /** The first 2.5 ms block from 80 ms before the expected onset whose energy is 10 times the quiet before it. */
    private static long onset(StreamScene scene, long expectedMicros) {
        long from = expectedMicros - 80_000;
        float[] samples = scene.audioSamples(from, 3200);
        int block = 40;
        double quiet = 0;
        for (int i = 0; i < 20 * block; i++) {
            quiet += samples[i] * samples[i];
        }
        quiet = Math.max(quiet / 20, 1e-9);
        for (int b = 0; b + block <= samples.length; b += block) {
            double energy = 0;
            for (int i = b; i < b + block; i++) {
                energy += samples[i] * samples[i];
            }
            if (energy > 10 * quiet) {
                return from + Math.round(b * 1e6 / SAMPLE_RATE);
            }
        }
        return Long.MIN_VALUE / 2;
    }

    /** At the instant of a sound, the picture shows its cause. */
    private static void assertVisualCause(StreamScene scene, SoundEvent event) {
        Pose pose = scene.poseAt(event.visualMicros());
        switch (event.kind()) {
            case CLAP -> assertThat(pose.handSeparation()).as("hands together at a clap").isLessThan(0.01);
            case STEP, RUN_STEP -> assertThat(Math.abs(pose.leftThigh())).as("legs passing at a footfall").isLessThan(0.02);
            case LANDING -> assertThat(scene.poseAt(event.visualMicros() - 100_000).hipY()).as("in the air before landing")
                    .isGreaterThan(pose.hipY());
            case SEAT, IMPACT -> {
                long later = Math.min(event.visualMicros() + 200_000, scene.epochMicros() + scene.segmentAt(event.visualMicros()).endMicros() - 1);
                assertThat(scene.poseAt(later).hipY()).as("down and staying down").isCloseTo(pose.hipY(), org.assertj.core.api.Assertions.within(1e-4));
                assertThat(scene.poseAt(event.visualMicros() - 300_000).hipY()).as("coming down before").isGreaterThan(pose.hipY() + 0.05);
            }
        }
    }

    @Test
    void theImuMovesMoreWhenRunningThanWhenIdle() {
        SceneSimulator simulator = new SceneSimulator(clean(4), EPOCH);
        Map<Action, double[]> energy = new HashMap<>();
        for (StreamScene scene : simulator.scenes()) {
            for (long k = 0; k < 120 * 100; k++) {
                long t = EPOCH + k * 10_000;
                float[] v = scene.imuValues(t, k);
                double magnitude = Math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]) - 9.81;
                double[] sums = energy.computeIfAbsent(scene.actionAt(t), a -> new double[2]);
                sums[0] += magnitude * magnitude;
                sums[1]++;
            }
        }
        double run = energy.get(Action.RUN)[0] / energy.get(Action.RUN)[1];
        double idle = energy.get(Action.IDLE)[0] / energy.get(Action.IDLE)[1];
        double wave = energy.get(Action.WAVE)[0] / energy.get(Action.WAVE)[1];
        assertThat(run).isGreaterThan(20 * idle);
        assertThat(wave).as("waving hands barely move a hip IMU").isLessThan(3 * idle);
    }

    @Test
    void labelsCoverEachStreamWithoutGapsAndUseEveryAction() {
        SceneSimulator simulator = new SceneSimulator(SimulationSettings.defaults(4), EPOCH);
        long end = EPOCH + 600 * SECOND;
        Set<String> actions = new java.util.HashSet<>();
        for (StreamScene scene : simulator.scenes()) {
            List<Label> labels = scene.labels(EPOCH, end);
            assertThat(Times.micros(labels.get(0).getStart())).isEqualTo(EPOCH);
            for (int i = 1; i < labels.size(); i++) {
                assertThat(labels.get(i).getStart()).isEqualTo(labels.get(i - 1).getEnd());
                assertThat(labels.get(i).getEnd()).isAfter(labels.get(i).getStart());
            }
            assertThat(Times.micros(labels.get(labels.size() - 1).getEnd())).isEqualTo(end);
            labels.forEach(label -> actions.add(label.getAction()));
        }
        assertThat(actions).hasSize(Action.values().length);
    }

    @Test
    void aMissingModalityIsMissingInTheRecordsAndSaidSoInTheLabels() {
        SimulationSettings.Delivery dropouts = new SimulationSettings.Delivery(0, 0, 0, 0, 0, 0.5, 0.5, 0, 0);
        StreamScene scene = new SceneSimulator(SimulationSettings.defaults(1).withDelivery(dropouts), EPOCH).scene(0);
        List<Label> labels = scene.labels(EPOCH, EPOCH + 60 * SECOND);
        List<SimRecord> records = scene.records(EPOCH, EPOCH + 60 * SECOND);
        int withoutVideo = 0;
        for (Label label : labels) {
            long start = Times.micros(label.getStart());
            long end = Times.micros(label.getEnd());
            boolean video = label.getModalitiesPresent().contains("video");
            long frames = records.stream().filter(r -> r.modality() == Modality.VIDEO && r.captureMicros() >= start && r.captureMicros() < end).count();
            assertThat(frames > 0).as("frames in %s..%s", start, end).isEqualTo(video && end - start >= 70_000);
            withoutVideo += video ? 0 : 1;
        }
        assertThat(withoutVideo).isPositive();
    }

    @Test
    void realisticDeliveryStaysWithinItsDisorderBound() {
        SimulationSettings settings = SimulationSettings.defaults(3);
        long bound = settings.delivery().maxDisorderMicros() + settings.audioChunkMicros() + 30_000;
        Map<Modality, Boolean> reordered = new HashMap<>();
        List<SimRecord> records = new SceneSimulator(settings, EPOCH).records(EPOCH, EPOCH + 60 * SECOND);
        Map<String, Long> newestDelivered = new HashMap<>();
        for (SimRecord record : records) {
            assertThat(record.deliveryMicros() - record.captureMicros()).isBetween(-2 * settings.delivery().clockSkewMaxMicros(), bound);
            String sequence = record.streamId() + record.modality();
            Long newest = newestDelivered.get(sequence);
            if (newest != null && record.captureMicros() < newest) {
                reordered.put(record.modality(), true);
                assertThat(newest - record.captureMicros()).isLessThanOrEqualTo(settings.delivery().maxDisorderMicros());
            }
            newestDelivered.merge(sequence, record.captureMicros(), Math::max);
        }
        // 100 ms audio chunks and IMU batches are further apart than the hold-back, so only frames overtake each other
        assertThat(reordered.keySet()).contains(Modality.VIDEO);
    }
}
