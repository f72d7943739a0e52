package io.mmstream.eval;

import io.mmstream.align.WindowTensors;
import io.mmstream.eval.metrics.Bleu;
import io.mmstream.eval.metrics.CiderD;
import io.mmstream.eval.metrics.Meteor;
import io.mmstream.eval.metrics.WordNet;
import io.mmstream.inference.InferenceException;
import io.mmstream.inference.ModelResult;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A captioning head over held-out windows: each window's caption, as the job decodes it, against the window's five
 * reference captions ({@link io.mmstream.sim.SceneTruth#captions}): corpus BLEU-1..4, METEOR and CIDEr-D.
 */
public final class CaptionEvaluation {

    /** @param examples a few windows' captions beside their first reference, for people to read */
    public record Figures(double[] bleu, double meteor, double ciderD, int windows, List<String> examples) {}

    private CaptionEvaluation() {}

    /** @param seed the simulation seed the truths' captions were written with */
    public static Figures of(WindowModels models, String head, Evaluation.Labelled data, long seed) throws InferenceException {
        ModelResult result = models.card(head).result();
        boolean[] all = {true, true, true};
        List<List<String>> hypotheses = new ArrayList<>();
        List<List<List<String>>> references = new ArrayList<>();
        List<String> examples = new ArrayList<>();
        for (int start = 0; start < data.windows().size(); start += 64) {
            List<WindowTensors> batch = data.windows().subList(start, Math.min(data.windows().size(), start + 64));
            float[] words = models.run(head, batch, all).get(result.decoding().reads().get(0)).data();
            int length = words.length / batch.size();
            for (int row = 0; row < batch.size(); row++) {
                String caption = result.label(Arrays.copyOfRange(words, row * length, (row + 1) * length));
                List<String> truth = data.truths().get(start + row).captions(seed);
                hypotheses.add(tokens(caption));
                references.add(truth.stream().map(CaptionEvaluation::tokens).toList());
                if ((start + row) % Math.max(1, data.windows().size() / 4) == 0) {
                    examples.add("\"" + caption + "\" (a reference: \"" + truth.get(0) + "\")");
                }
            }
        }
        double[] bleu = new double[4];
        for (int n = 1; n <= 4; n++) {
            bleu[n - 1] = Bleu.corpus(references, hypotheses, n);
        }
        return new Figures(bleu, new Meteor(WordNet.get()).corpus(references, hypotheses), CiderD.corpus(references, hypotheses),
                hypotheses.size(), examples);
    }

    private static List<String> tokens(String text) {
        return text.isBlank() ? List.of() : List.of(text.trim().split("\\s+"));
    }
}
