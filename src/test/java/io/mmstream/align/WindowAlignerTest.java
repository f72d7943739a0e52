package io.mmstream.align;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class WindowAlignerTest {

    private static final long START = 10_000_000;
    private static final long END = START + 1_000_000;
    private static final long STEP = 100_000;
    private final WindowAligner aligner = new WindowAligner(STEP);

    private static ModalEvent video(long captureMicros) {
        return ModalEvent.of("s", Modality.VIDEO, captureMicros, 0, new float[0], "mm.video", 0, 0);
    }

    private static ModalEvent sensor(long captureMicros, float... values) {
        return ModalEvent.of("s", Modality.SENSOR, captureMicros, -1, values, "mm.sensor", 0, 0);
    }

    @Test
    void eventsLandOnTheNearestGridInstantWithPresenceAndCounts() {
        AlignedWindow window = aligner.align("s", START, END, List.of(video(START), video(START + 40_000), video(START + 330_000)));

        ModalityTrack track = window.track(Modality.VIDEO);
        assertThat(window.steps()).isEqualTo(10);
        assertThat(track.counts()).containsExactly(2, 0, 0, 1, 0, 0, 0, 0, 0, 0);
        assertThat(track.present()).containsExactly(true, false, false, true, false, false, false, false, false, false);
        assertThat(track.coverage().presentSteps()).isEqualTo(2);
        assertThat(track.coverage().gridSteps()).isEqualTo(10);
    }

    @Test
    void aStepShowsTheEventNearestItsInstantAndTheTrackKeepsEveryEventInCaptureOrder() {
        AlignedWindow window = aligner.align("s", START, END,
                List.of(sensor(START + 910_000, -2, 4), sensor(START + 40_000, 3, 30), sensor(START + 10_000, 1, 10)));

        ModalityTrack track = window.track(Modality.SENSOR);
        assertThat(track.values()[0]).containsExactly(1f, 10f);
        assertThat(track.values()[1]).containsExactly(0f, 0f);
        assertThat(track.values()[9]).containsExactly(-2f, 4f);
        assertThat(track.captures()).containsExactly(START + 10_000, START + 40_000, START + 910_000);
        assertThat(track.samples()[1]).containsExactly(3f, 30f);
    }

    @Test
    void windowStartIsInsideAndWindowEndIsOutside() {
        AlignedWindow window = aligner.align("s", START, END, List.of(video(START), video(END - 1)));

        assertThat(window.track(Modality.VIDEO).counts()[0]).isEqualTo(1);
        assertThat(window.track(Modality.VIDEO).counts()[9]).isEqualTo(1);
        assertThatThrownBy(() -> aligner.align("s", START, END, List.of(video(END))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside window");
        assertThatThrownBy(() -> aligner.align("s", START, END, List.of(video(START - 1))))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anEmptyModalityHasNoPresenceAndAGapOfTheWholeWindow() {
        AlignedWindow window = aligner.align("s", START, END, List.of(video(START + 500_000)));

        ModalityCoverage audio = window.track(Modality.AUDIO).coverage();
        assertThat(audio.events()).isZero();
        assertThat(audio.present()).isFalse();
        assertThat(audio.presentSteps()).isZero();
        assertThat(audio.longestGapMicros()).isEqualTo(END - START);
        assertThat(audio.firstCaptureMicros()).isEqualTo(-1);
        assertThat(window.track(Modality.AUDIO).present()).containsOnly(false);
        assertThat(window.track(Modality.AUDIO).values()[0]).isEmpty();
    }

    @Test
    void coverageFiguresComeFromTheSortedCaptureTimes() {
        // arrival order is not capture order; intervals 100, 300, 100 ms
        List<ModalEvent> events = List.of(video(START + 500_000), video(START + 100_000), video(START + 600_000), video(START + 200_000));
        ModalityCoverage coverage = aligner.align("s", START, END, events).track(Modality.VIDEO).coverage();

        assertThat(coverage.events()).isEqualTo(4);
        assertThat(coverage.firstCaptureMicros()).isEqualTo(START + 100_000);
        assertThat(coverage.lastCaptureMicros()).isEqualTo(START + 600_000);
        // the tail from the last event to the window end (400 ms) beats every inner interval
        assertThat(coverage.longestGapMicros()).isEqualTo(400_000);
        // population standard deviation of {100, 300, 100} ms
        double mean = 500_000 / 3.0;
        double variance = (2 * Math.pow(100_000 - mean, 2) + Math.pow(300_000 - mean, 2)) / 3;
        assertThat(coverage.jitterMicros()).isEqualTo(Math.round(Math.sqrt(variance)));
    }

    @Test
    void evenlySpacedEventsHaveNoJitter() {
        List<ModalEvent> events = new ArrayList<>();
        for (long t = START; t < END; t += 50_000) {
            events.add(video(t));
        }
        ModalityCoverage coverage = aligner.align("s", START, END, events).track(Modality.VIDEO).coverage();

        assertThat(coverage.jitterMicros()).isZero();
        assertThat(coverage.longestGapMicros()).isEqualTo(50_000);
        assertThat(coverage.presentSteps()).isEqualTo(10);
    }

    @Test
    void aWindowShorterThanOneStepIsRefused() {
        assertThatThrownBy(() -> aligner.align("s", START, START + 40_000, List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("shorter than one");
    }
}
