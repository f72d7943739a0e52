package io.mmstream.media;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SampleStepsTest {

    @Test
    void stepsOverlapByTheContextAndStartFromZeros() {
        SampleSteps steps = new SampleSteps(6, 4);
        assertThat(steps.push(new float[] {1, 2, 3})).isEmpty();
        List<float[]> first = steps.push(new float[] {4, 5, 6, 7, 8, 9});
        assertThat(first).containsExactly(new float[] {0, 0, 1, 2, 3, 4}, new float[] {3, 4, 5, 6, 7, 8});
        assertThat(steps.pending()).containsExactly(7, 8, 9);
    }

    @Test
    void chunksOfAnySizeGiveTheSameStepsAsOneWholeAndResumeFromPending() {
        float[] samples = new float[1000];
        for (int i = 0; i < samples.length; i++) {
            samples[i] = i;
        }
        List<float[]> whole = new SampleSteps(576, 512).push(samples);
        List<float[]> chunked = new ArrayList<>();
        SampleSteps steps = new SampleSteps(576, 512);
        for (int from = 0; from < samples.length; from += 37) {
            float[] chunk = java.util.Arrays.copyOfRange(samples, from, Math.min(samples.length, from + 37));
            chunked.addAll(steps.push(chunk));
            // a restart from a checkpoint in the middle goes on from what was pending
            steps = new SampleSteps(576, 512, steps.pending());
        }
        assertThat(chunked).hasSameSizeAs(whole).hasSize(1);
        assertThat(chunked.get(0)).containsExactly(whole.get(0));
        assertThat(whole.get(0)[65]).isEqualTo(1);
    }
}
