package io.mmstream.sim;

import io.mmstream.schema.Label;
import io.mmstream.media.Pcm;
import io.mmstream.schema.WindowTruth;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/** Several simulated streams that start together at epochMicros. Same settings and epoch, same bytes. */
public final class SceneSimulator {

    private final List<StreamScene> scenes = new ArrayList<>();
    private final SimulationSettings settings;

    public SceneSimulator(SimulationSettings settings, long epochMicros) {
        this(settings, epochMicros, Map.of());
    }

    /** @param trouble what goes wrong with some streams' devices, by stream index; the others deliver as the settings say */
    public SceneSimulator(SimulationSettings settings, long epochMicros, Map<Integer, DeviceTrouble> trouble) {
        this.settings = settings;
        for (int i = 0; i < settings.streams(); i++) {
            scenes.add(new StreamScene(settings, i, epochMicros, trouble.getOrDefault(i, DeviceTrouble.NONE)));
        }
    }

    public static String streamId(int index) {
        return String.format("stream-%03d", index);
    }

    public List<StreamScene> scenes() {
        return scenes;
    }

    public StreamScene scene(int index) {
        return scenes.get(index);
    }

    /** Every record of every stream captured in [from, to), in delivery order. */
    public List<SimRecord> records(long fromMicros, long toMicros) {
        List<SimRecord> out = new ArrayList<>();
        for (StreamScene scene : scenes) {
            out.addAll(scene.records(fromMicros, toMicros));
        }
        out.sort(Comparator.comparingLong(SimRecord::deliveryMicros).thenComparing(SimRecord::streamId)
                .thenComparing(SimRecord::modality).thenComparingLong(SimRecord::captureMicros));
        return out;
    }

    public List<Label> labels(long fromMicros, long toMicros) {
        List<Label> out = new ArrayList<>();
        for (StreamScene scene : scenes) {
            out.addAll(scene.labels(fromMicros, toMicros));
        }
        return out;
    }

    /**
     * The truth of every window that ends in (from, to]: sliding windows of windowMicros every slideMicros, aligned to
     * multiples of the slide since the Unix epoch as Flink aligns them, from each stream's first whole window on.
     */
    public List<WindowTruth> completedWindows(long fromMicros, long toMicros, long windowMicros, long slideMicros) {
        List<WindowTruth> out = new ArrayList<>();
        long firstEnd = Math.floorDiv(fromMicros - windowMicros, slideMicros) * slideMicros + windowMicros;
        for (long end = firstEnd; end <= toMicros; end += slideMicros) {
            if (end <= fromMicros) {
                continue;
            }
            for (StreamScene scene : scenes) {
                if (end - windowMicros >= scene.epochMicros()) {
                    WindowTruth truth = SceneTruth.of(scene, end - windowMicros, end, settings.framePeriodMicros()).toRecord(settings.seed());
                    // the window's last slide: the second the job's separation publishes for it, and its reference
                    float[][] audio = scene.heardAndActorAudio(end - slideMicros, (int) (slideMicros * settings.sampleRate() / 1_000_000));
                    if (audio != null) {
                        truth.setHeardAudio(ByteBuffer.wrap(Pcm.toS16le(audio[0])));
                        truth.setActorAudio(ByteBuffer.wrap(Pcm.toS16le(audio[1])));
                    }
                    out.add(truth);
                }
            }
        }
        return out;
    }
}
