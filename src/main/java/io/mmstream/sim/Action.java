package io.mmstream.sim;

import java.util.Locale;

/** What the simulated actor does. Chosen so that every pair is told apart by at least one modality, not all by one. */
public enum Action {
    /** Standing still: silent, no motion. */
    IDLE,
    /** Footsteps at about 1.8 Hz, moving across the room. */
    WALK,
    /** Footsteps at about 2.8 Hz, louder, faster across the room. */
    RUN,
    /** Hops in place with a landing thump each. */
    JUMP,
    /** Both hands waving above the head: silent, the body still. Looks much like CLAP at low resolution. */
    WAVE,
    /** Both hands meeting at face height with a clap each time: the sound tells it from WAVE. */
    CLAP,
    /** Sits down slowly, a soft sound at seat contact. Looks much like FALL; motion and sound tell them apart. */
    SIT_DOWN,
    /** Collapses to the floor fast, with a heavy impact. */
    FALL;

    /** Whether the action makes regular sounds, so that audio and video can be lined up at all. */
    public boolean makesRegularSounds() {
        return this == WALK || this == RUN || this == JUMP || this == CLAP;
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Action fromWireName(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }
}
