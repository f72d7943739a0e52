package io.mmstream.eval;

import io.mmstream.align.WindowTensors;
import io.mmstream.inference.Decoding;
import io.mmstream.inference.InferenceException;
import io.mmstream.inference.StreamSync;
import io.mmstream.inference.WindowInputs;
import io.mmstream.sim.SceneTruth;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A question-answering head over held-out windows: each of the simulator's questions asked of every window that can
 * answer it ({@link SceneTruth.Question#answerable}) in its own words, the answer right when it is the truth's
 * ({@link SceneTruth#answer}). Per question type: the share right, with a 95% bootstrap interval over streams.
 */
public final class QuestionEvaluation {

    public record Figure(double accuracy, Bootstrap.Interval interval, int windows) {}

    private QuestionEvaluation() {}

    /** @param embedText the head's text model, embedding a question */
    public static Map<SceneTruth.Question, Figure> of(WindowModels models, String head, Evaluation.Labelled data, Function<String, float[]> embedText)
            throws InferenceException {
        return of(models, head, data, embedText, List.of(SceneTruth.Question.values()));
    }

    /** Only the questions given, in their order. */
    public static Map<SceneTruth.Question, Figure> of(WindowModels models, String head, Evaluation.Labelled data, Function<String, float[]> embedText,
                                                      List<SceneTruth.Question> questions) throws InferenceException {
        String from = ((Decoding.Softmax) models.card(head).result().decoding()).from();
        List<String> answers = models.card(head).result().labels();
        boolean[] all = {true, true, true};
        // a head that reads its stream's offset gets each window's as the job keeps it
        List<StreamSync.Estimate> streamOffsets = WindowInputs.bindsStreamOffset(models.card(head))
                ? models.streamOffsets(data.windows(), data.streams(), data.streamCount()) : null;
        Map<SceneTruth.Question, Figure> out = new LinkedHashMap<>();
        for (SceneTruth.Question question : questions) {
            float[] asked = embedText.apply(question.text);
            int[] right = new int[data.streamCount()];
            int[] total = new int[data.streamCount()];
            for (int start = 0; start < data.windows().size(); start += 64) {
                List<WindowTensors> batch = data.windows().subList(start, Math.min(data.windows().size(), start + 64));
                float[] logits = models.run(head, batch, all, asked, streamOffsets == null ? null
                        : streamOffsets.subList(start, start + batch.size())).get(from).data();
                for (int row = 0; row < batch.size(); row++) {
                    int index = start + row;
                    if (!question.answerable(!data.truths().get(index).sounds().isEmpty())) {
                        continue;
                    }
                    int best = argmax(logits, row * answers.size(), answers.size());
                    boolean correct = answers.get(best).equals(data.truths().get(index).answer(question));
                    right[data.streams()[index]] += correct ? 1 : 0;
                    total[data.streams()[index]]++;
                }
            }
            int windows = java.util.Arrays.stream(total).sum();
            out.put(question, new Figure((double) java.util.Arrays.stream(right).sum() / windows,
                    Bootstrap.interval(data.streamCount(), weights -> Bootstrap.share(weights, right, total), question.ordinal()), windows));
        }
        return out;
    }

    private static int argmax(float[] values, int offset, int length) {
        int best = 0;
        for (int i = 1; i < length; i++) {
            if (values[offset + i] > values[offset + best]) {
                best = i;
            }
        }
        return best;
    }
}
