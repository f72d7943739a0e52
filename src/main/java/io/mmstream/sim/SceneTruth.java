package io.mmstream.sim;

import io.mmstream.codec.Times;
import io.mmstream.schema.Label;
import io.mmstream.schema.QuestionAnswer;
import io.mmstream.schema.WindowTruth;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one window of a simulated stream shows and sounds like, from the simulator's own state: the action, who is
 * there, the light, the sounds, where the actor stands, whether sound and picture are in sync. From it come the
 * window's reference captions and its question-answer pairs, deterministic per seed like the rest.
 *
 * @param action the action covering most of the window
 * @param fell whether a fall covers most of the window or its impact lies in it
 * @param people the actor, plus one while a passer-by crosses the picture
 * @param lightOff whether the room's main light is off for most of the window
 * @param voices background voices talking at the window's middle
 * @param sounds the kinds of the actor's sounds whose visual instant lies in the window
 * @param position where the actor stands at the window's middle, as the camera sees it: left, middle or right
 * @param avOffsetMicros audio minus video as the timestamps show it, at the window's middle
 * @param inSync whether that offset is within one frame period
 */
public record SceneTruth(String streamId, long startMicros, long endMicros, Action action, boolean fell, int people, String shirtColour,
                         boolean lightOff, int voices, Set<SoundEvent.Kind> sounds, String position, long avOffsetMicros, boolean inSync) {

    /**
     * The questions asked of every window, with the answers a model chooses from; each also in other words, which
     * a question-answering head learns from (a standing question is free text, embedded by a text model).
     */
    public enum Question {
        ACTION("what is the person doing?", "what action is happening?", "which activity is the person performing?",
                "what does the person do?", "what is going on in the room?"),
        PEOPLE("how many people are there?", "how many people can be seen?", "how many persons are in the room?",
                "count the people in view", "how many figures are visible?"),
        SHIRT("what colour is the person's shirt?", "what colour are they wearing?", "which colour is the shirt?",
                "what is the colour of their top?", "what colour are the person's clothes?"),
        LIGHT("is the light on?", "is the room lit?", "are the lights switched on?", "is it bright in the room?",
                "is the lamp on?"),
        SYNC("are sound and picture in sync?", "is the audio aligned with the video?", "do sound and image match in time?",
                "is the soundtrack synchronised?", "are audio and video in sync?"),
        FELL("did someone fall?", "has anyone fallen down?", "did the person fall over?", "is anyone on the floor?",
                "did a fall happen?");

        public final String text;
        private final List<String> otherWords;

        Question(String text, String... otherWords) {
            this.text = text;
            this.otherWords = List.of(otherWords);
        }

        /** The question in each of its wordings, its own text first. */
        public List<String> wordings() {
            List<String> all = new ArrayList<>(List.of(text));
            all.addAll(otherWords);
            return all;
        }

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /**
         * Whether a window's picture and sound can answer this question. Sync has its answer only where the actor
         * makes a sound: in a silent window the truth (the stream's offset) shows in neither, so scoring it there
         * scores a guess. Every other question is answerable in every window.
         */
        public boolean answerable(boolean actorSounds) {
            return this != SYNC || actorSounds;
        }
    }

    /** The actor counts as on the left or right beyond this many metres from the room's middle (it spans +-1.6 m). */
    private static final double SIDE_METRES = 0.55;

    public static SceneTruth of(StreamScene scene, long startMicros, long endMicros, long framePeriodMicros) {
        long middle = (startMicros + endMicros) / 2;
        List<Label> labels = scene.labels(startMicros, endMicros);
        Action action = majorityAction(labels);
        Set<SoundEvent.Kind> sounds = EnumSet.noneOf(SoundEvent.Kind.class);
        scene.soundEvents(startMicros, endMicros).forEach(event -> sounds.add(event.kind()));
        boolean passerBy = false;
        int dark = 0;
        int frames = 0;
        for (long t = startMicros; t < endMicros; t += framePeriodMicros, frames++) {
            passerBy |= scene.passerBy(t);
            dark += scene.lightOff(t) ? 1 : 0;
        }
        double hipX = scene.poseAt(middle).hipX();
        String position = hipX < -SIDE_METRES ? "left" : hipX > SIDE_METRES ? "right" : "middle";
        long offset = scene.observedAvOffsetMicros(middle);
        boolean fell = action == Action.FALL || sounds.contains(SoundEvent.Kind.IMPACT);
        return new SceneTruth(scene.streamId(), startMicros, endMicros, action, fell, passerBy ? 2 : 1,
                scene.shirtColour(), 2 * dark > frames, scene.voices(middle), sounds, position, offset, Math.abs(offset) <= framePeriodMicros);
    }

    /** The action that covers most of the labels' time (on a tie, the first in Action's order). */
    public static Action majorityAction(List<Label> labels) {
        Map<Action, Long> covered = new java.util.EnumMap<>(Action.class);
        for (Label label : labels) {
            covered.merge(Action.fromWireName(label.getAction()), Times.micros(label.getEnd()) - Times.micros(label.getStart()), Long::sum);
        }
        return covered.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
    }

    /** The answer to each question, in the words a caption would use. */
    public String answer(Question question) {
        return switch (question) {
            case ACTION -> action.wireName().replace('_', ' ');
            case PEOPLE -> people == 1 ? "one" : "two";
            case SHIRT -> shirtColour;
            case LIGHT -> lightOff ? "no" : "yes";
            case SYNC -> inSync ? "yes" : "no";
            case FELL -> fell ? "yes" : "no";
        };
    }

    /** Every question's answers, in the order a head's labels list them. */
    public static List<String> answers(Question question) {
        return switch (question) {
            case ACTION -> java.util.Arrays.stream(Action.values()).map(a -> a.wireName().replace('_', ' ')).toList();
            case PEOPLE -> List.of("one", "two");
            case SHIRT -> List.of("red", "orange", "yellow", "green", "teal", "blue", "purple", "pink");
            case LIGHT, SYNC, FELL -> List.of("yes", "no");
        };
    }

    /** Five reference captions, each naming the action and some of the rest, in varied words (see {@link CaptionGrammar}). */
    public List<String> captions(long seed) {
        return CaptionGrammar.captions(this, seed);
    }

    /** As published on the truth topic, with its captions and every question's answer. */
    public WindowTruth toRecord(long seed) {
        List<QuestionAnswer> answers = new ArrayList<>();
        for (Question question : Question.values()) {
            answers.add(new QuestionAnswer(question.wireName(), question.text, answer(question)));
        }
        return WindowTruth.newBuilder().setStreamId(streamId).setStart(Times.ofMicros(startMicros)).setEnd(Times.ofMicros(endMicros))
                .setAction(action.wireName()).setPeople(people).setShirtColour(shirtColour).setLightOn(!lightOff).setVoices(voices)
                .setSounds(sounds.stream().map(kind -> kind.name().toLowerCase(java.util.Locale.ROOT)).toList()).setPosition(position)
                .setAvOffsetMicros(avOffsetMicros).setInSync(inSync).setFell(fell).setCaptions(captions(seed))
                .setAnswers(answers).build();
    }

    /** The actor's sounds in plain words, loudest kind first. */
    List<String> soundWords() {
        List<String> out = new ArrayList<>();
        for (SoundEvent.Kind kind : List.of(SoundEvent.Kind.IMPACT, SoundEvent.Kind.CLAP, SoundEvent.Kind.LANDING, SoundEvent.Kind.RUN_STEP,
                SoundEvent.Kind.STEP, SoundEvent.Kind.SEAT)) {
            if (sounds.contains(kind)) {
                out.add(switch (kind) {
                    case IMPACT -> "a loud thud";
                    case CLAP -> "clapping";
                    case LANDING -> "thumps";
                    case RUN_STEP -> "running footsteps";
                    case STEP -> "footsteps";
                    case SEAT -> "a soft bump";
                });
            }
        }
        return out;
    }
}
