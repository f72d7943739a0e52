package io.mmstream.sim;

import java.util.ArrayList;
import java.util.List;

/**
 * Reference captions written from a window's truth by a small grammar: five per window, as caption datasets have
 * several references per image. Each names the action (in one of a few phrasings) and some of what else is true:
 * the shirt's colour, where the actor stands, the light, a passer-by, the sounds, background voices. The words are
 * drawn from a hash of the seed, the stream and the window, so the same simulation gives the same captions.
 */
final class CaptionGrammar {

    private CaptionGrammar() {}

    private static final String[] SUBJECTS = {"a person", "someone", "a figure"};

    /** Per action: present-tense phrases, then "-ing" phrases. */
    private static String[][] verbs(Action action) {
        return switch (action) {
            case IDLE -> new String[][] {{"stands still", "waits", "stands there"}, {"standing still", "waiting", "doing nothing"}};
            case WALK -> new String[][] {{"walks", "walks across the room", "strolls"}, {"walking", "walking across the room", "walking slowly"}};
            case RUN -> new String[][] {{"runs", "runs across the room", "jogs"}, {"running", "running across the room", "running fast"}};
            case JUMP -> new String[][] {{"jumps", "jumps up and down", "hops in place"}, {"jumping", "jumping up and down", "jumping in place"}};
            case WAVE -> new String[][] {{"waves", "waves both arms", "waves their hands"}, {"waving", "waving both arms", "waving their hands"}};
            case CLAP -> new String[][] {{"claps", "claps their hands", "applauds"}, {"clapping", "clapping their hands", "applauding"}};
            case SIT_DOWN -> new String[][] {{"sits down", "takes a seat", "sits down slowly"}, {"sitting down", "taking a seat", "sitting down slowly"}};
            case FALL -> new String[][] {{"falls", "falls to the floor", "falls down"}, {"falling", "falling to the floor", "falling down"}};
        };
    }

    static List<String> captions(SceneTruth truth, long seed) {
        Pick pick = new Pick(Hash.of(seed, truth.streamId().hashCode(), truth.startMicros(), 0xCA97));
        String[][] verbs = verbs(truth.action());
        String shirt = truth.shirtColour();
        String inShirt = (shirt.startsWith("o") ? "in an " : "in a ") + shirt + " shirt";
        String where = switch (truth.position()) {
            case "left" -> pick.one("on the left", "on the left side of the room");
            case "right" -> pick.one("on the right", "on the right side of the room");
            default -> pick.one("in the middle of the room", "in the centre of the room");
        };
        String light = truth.lightOff() ? pick.one("in a dark room", "with the light off", "in dim light") : pick.one("in a bright room", "in a lit room");
        String passer = truth.people() > 1 ? pick.one("while someone walks past", "as another person passes by", "while a passer-by crosses the view") : null;
        List<String> sounds = truth.soundWords();
        String voices = truth.voices() > 0 ? pick.one("people talk in the background", "voices can be heard in the background") : null;

        List<String> out = new ArrayList<>();
        // 1: subject and action, where
        out.add(pick.one(SUBJECTS) + " " + pick.one(verbs[0]) + " " + where);
        // 2: the shirt, and the passer-by when there is one
        out.add(join(pick.one("a person " + inShirt, "someone in " + shirt, "a person wearing " + shirt) + " " + pick.one(verbs[0]), passer));
        // 3: "-ing" form, the light
        out.add(pick.one("a person", "someone") + " " + pick.one("is", "can be seen") + " " + pick.one(verbs[1]) + " " + light);
        // 4: what is heard
        String heard = sounds.isEmpty() ? pick.one("makes no sound", "is silent") : pick.one(sounds.get(0) + " can be heard", "you can hear " + sounds.get(0));
        out.add(join(pick.one(SUBJECTS) + " " + pick.one(verbs[0]) + " and " + heard, voices == null ? null : "while " + voices));
        // 5: everything at once
        out.add(join("a person " + inShirt + " " + pick.one(verbs[0]) + " " + where + " " + light, passer));
        return out;
    }

    private static String join(String sentence, String clause) {
        return clause == null ? sentence : sentence + " " + clause;
    }

    /** Successive choices from one hash stream. */
    private static final class Pick {
        private final long seed;
        private int next;

        Pick(long seed) {
            this.seed = seed;
        }

        String one(String... options) {
            return options[(int) (Hash.unit(seed, next++, 0, 0) * options.length)];
        }
    }
}
