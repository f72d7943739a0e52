package io.mmstream.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.mmstream.codec.Times;
import io.mmstream.codec.WireCodec;
import io.mmstream.schema.WindowTruth;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each window's truth, its captions and answers, against the simulator's own state; the actor's clean audio. */
class SceneTruthTest {

    private static final long EPOCH = 1_700_000_000_000_000L;
    private static final SimulationSettings SETTINGS = SimulationSettings.defaults(4);
    private static final long PERIOD = SETTINGS.framePeriodMicros();

    /** Words that name each action in the grammar: every caption of a window holds one of its action's. */
    private static final Map<Action, List<String>> ACTION_WORDS = Map.of(
            Action.IDLE, List.of("still", "wait", "stand", "nothing"), Action.WALK, List.of("walk", "stroll"),
            Action.RUN, List.of("run", "jog"), Action.JUMP, List.of("jump", "hop"), Action.WAVE, List.of("wav"),
            Action.CLAP, List.of("clap", "applaud"), Action.SIT_DOWN, List.of("sit", "seat"), Action.FALL, List.of("fall"));

    private static List<WindowTruth> windows(long seconds) {
        return new SceneSimulator(SETTINGS, EPOCH).completedWindows(EPOCH, EPOCH + seconds * 1_000_000, 2_000_000, 1_000_000);
    }

    @Test
    void everyWholeWindowOfEveryStreamHasItsTruthOnceAndTheSameSeedGivesTheSameTruth() throws Exception {
        List<WindowTruth> truths = windows(60);
        // windows start on whole seconds from the (whole-second) epoch: 59 of them end within 60 s, per stream
        assertThat(truths).hasSize(4 * 59);
        assertThat(truths).extracting(t -> t.getStreamId() + "@" + Times.micros(t.getStart())).doesNotHaveDuplicates();
        assertThat(truths).allSatisfy(t -> assertThat(Times.micros(t.getEnd()) - Times.micros(t.getStart())).isEqualTo(2_000_000));
        assertThat(windows(60)).isEqualTo(truths);
        // the stretch (from, to] is cut anywhere: publishing in steps of 100 ms gives the same windows
        SceneSimulator simulator = new SceneSimulator(SETTINGS, EPOCH);
        List<WindowTruth> stepped = new ArrayList<>();
        for (long t = EPOCH; t < EPOCH + 60_000_000; t += 100_000) {
            stepped.addAll(simulator.completedWindows(t, t + 100_000, 2_000_000, 1_000_000));
        }
        assertThat(stepped).containsExactlyInAnyOrderElementsOf(truths);
        // and it survives the wire
        assertThat(WireCodec.decode(WindowTruth.class, WireCodec.encode(truths.get(0)))).isEqualTo(truths.get(0));
    }

    @Test
    void captionsAndAnswersSayWhatTheSimulatorDid() {
        SceneSimulator simulator = new SceneSimulator(SETTINGS, EPOCH);
        int passersBy = 0;
        int dark = 0;
        int falls = 0;
        for (WindowTruth truth : windows(300)) {
            StreamScene scene = simulator.scenes().stream().filter(s -> s.streamId().equals(truth.getStreamId())).findFirst().orElseThrow();
            long start = Times.micros(truth.getStart());
            long end = Times.micros(truth.getEnd());
            Action action = Action.fromWireName(truth.getAction());
            assertThat(truth.getCaptions()).hasSize(5).allSatisfy(caption ->
                    assertThat(ACTION_WORDS.get(action)).as("'%s' names %s", caption, action).anyMatch(caption::contains));
            assertThat(String.join(" ", truth.getCaptions())).contains(truth.getShirtColour());
            Map<String, String> answers = new java.util.HashMap<>();
            truth.getAnswers().forEach(a -> answers.put(a.getQuestion(), a.getAnswer()));
            assertThat(answers).containsOnlyKeys("action", "people", "shirt", "light", "sync", "fell");
            assertThat(answers.get("action")).isEqualTo(action.wireName().replace('_', ' '));

            boolean passer = false;
            int off = 0;
            for (long t = start; t < end; t += PERIOD) {
                passer |= scene.passerBy(t);
                off += scene.lightOff(t) ? 1 : 0;
            }
            assertThat(answers.get("people")).isEqualTo(passer ? "two" : "one");
            assertThat(answers.get("light")).isEqualTo(2 * off > 30 ? "no" : "yes");
            boolean impact = scene.soundEvents(start, end).stream().anyMatch(e -> e.kind() == SoundEvent.Kind.IMPACT);
            assertThat(answers.get("fell")).isEqualTo(impact || action == Action.FALL ? "yes" : "no");
            assertThat(answers.get("sync")).isEqualTo(Math.abs(scene.observedAvOffsetMicros((start + end) / 2)) <= PERIOD ? "yes" : "no");
            assertThat(answers.get("shirt")).isEqualTo(scene.shirtColour());
            passersBy += passer ? 1 : 0;
            dark += truth.getLightOn() ? 0 : 1;
            falls += truth.getFell() ? 1 : 0;
            if (passer) {
                assertThat(truth.getCaptions()).anyMatch(c -> c.contains("past") || c.contains("passe"));
            }
        }
        // five minutes of four streams hold each kind of event, so every branch above was taken
        assertThat(passersBy).isPositive();
        assertThat(dark).isPositive();
        assertThat(falls).isPositive();
    }

    @Test
    void theActorsCleanAudioIsTheMicrophoneWithoutTheRoom() {
        StreamScene scene = new SceneSimulator(SETTINGS, EPOCH).scene(0);
        int rate = SETTINGS.sampleRate();
        long audible = 0;
        long silentButNoisy = 0;
        for (int second = 0; second < 60; second++) {
            long at = EPOCH + second * 1_000_000L;
            float[] mic = scene.audioSamples(at, rate);
            float[] actor = scene.actorAudioSamples(at, rate);
            double actorEnergy = 0;
            double micEnergy = 0;
            for (int i = 0; i < rate; i++) {
                actorEnergy += actor[i] * actor[i];
                micEnergy += mic[i] * mic[i];
            }
            // the actor's sounds, shifted by the AV offset, are the only thing in it: silent where none is heard
            boolean heard = !scene.soundEvents(at - 1_000_000, at + 1_000_000).stream()
                    .filter(e -> {
                        long onset = e.visualMicros() + scene.physicalAvOffsetMicros(e.visualMicros());
                        return onset < at + 1_000_000 && onset + e.kind().durationMicros() > at;
                    }).toList().isEmpty();
            assertThat(actorEnergy > 0).as("actor audio at second %d", second).isEqualTo(heard);
            audible += heard ? 1 : 0;
            silentButNoisy += !heard && micEnergy > 0 ? 1 : 0;
        }
        assertThat(audible).isPositive();
        assertThat(silentButNoisy).as("seconds where the microphone hears only the room").isPositive();
    }
}
