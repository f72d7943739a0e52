package io.mmstream.eval;

import io.mmstream.codec.Times;
import io.mmstream.eval.metrics.Bleu;
import io.mmstream.eval.metrics.CiderD;
import io.mmstream.inference.WindowHeads;
import io.mmstream.schema.Prediction;
import io.mmstream.schema.QuestionAnswer;
import io.mmstream.schema.TaskResult;
import io.mmstream.schema.WindowTruth;
import io.mmstream.sim.SceneTruth;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Joins predictions with the per-window truth (the truth topic) as both arrive, in any order, by stream and window,
 * and scores the cross-modal results as the offline evaluation does: each standing question whose words are one of
 * the simulator's questions' wordings against that question's answer; each caption against the window's reference
 * captions (BLEU-4 and CIDEr-D over the newest {@value #CAPTION_WINDOWS} windows). The separated audio (the
 * separation topic's chunks) joins the truth's audio of the same stream and second, by the second's start: its
 * SI-SDR improvement against the actor's own sounds where the actor is audible, as {@link SeparationEvaluation} has it.
 * The windows' embeddings (the embeddings topic's, of the retrieval result) join their truth alike: text to window over
 * the newest {@value #RETRIEVAL_WINDOWS} joined windows, each query's hits the windows whose truth it describes, as
 * {@link RetrievalEvaluation} scores them offline.
 */
public final class LiveCrossModal {

    /** Predictions or truths waiting for their other half, whichever came first; the oldest go beyond this. */
    private static final int MAX_WAITING = 100_000;
    static final int CAPTION_WINDOWS = 10_000;
    static final int RETRIEVAL_WINDOWS = 10_000;
    /** Truths with audio waiting for their separated second: fewer, since each holds two seconds of audio. */
    private static final int MAX_AUDIO_WAITING = 2_000;

    /** @param scored windows answered; right, those whose answer is the truth's */
    public record QuestionScore(String question, long scored, long right) {
        public double accuracy() {
            return scored == 0 ? Double.NaN : (double) right / scored;
        }
    }

    private final Map<String, Prediction> predictions = new LinkedHashMap<>();
    private final Map<String, WindowTruth> truths = new LinkedHashMap<>();
    private final Map<SceneTruth.Question, long[]> answers = new java.util.EnumMap<>(SceneTruth.Question.class);
    private final Deque<List<String>> captions = new ArrayDeque<>();
    private final Deque<List<List<String>>> references = new ArrayDeque<>();
    private long joined;
    private final Function<List<String>, List<float[]>> embedText;
    private final Map<String, io.mmstream.schema.WindowEmbedding> embeddings = new LinkedHashMap<>();
    private final Map<String, WindowTruth> embeddingTruths = new LinkedHashMap<>();
    private final Deque<float[]> retrievalWindows = new ArrayDeque<>();
    private final Deque<RetrievalEvaluation.Facts> retrievalFacts = new ArrayDeque<>();
    private final Map<String, float[]> queryEmbeddings = new java.util.HashMap<>();
    private final Map<String, io.mmstream.schema.AudioChunk> separated = new LinkedHashMap<>();
    private final Map<String, WindowTruth> audioTruths = new LinkedHashMap<>();
    /** Separated seconds scored: their count, and the sums of the SI-SDR of the audio as heard and as separated. */
    private long separationWindows;
    private double heardDb;
    private double separatedDb;

    /** Without retrieval: no text model to embed the queries. */
    public LiveCrossModal() {
        this(null);
    }

    /** @param embedText embeds the retrieval queries (the text model the window embeddings were trained against) */
    public LiveCrossModal(Function<List<String>, List<float[]>> embedText) {
        this.embedText = embedText;
    }

    public void add(Prediction prediction) {
        String key = key(prediction.getStreamId(), Times.micros(prediction.getWindowStart()), Times.micros(prediction.getWindowEnd()));
        WindowTruth truth = truths.remove(key);
        if (truth == null) {
            wait(predictions, key, prediction, MAX_WAITING);
        } else {
            score(prediction, truth);
        }
    }

    public void add(WindowTruth truth) {
        String key = key(truth.getStreamId(), Times.micros(truth.getStart()), Times.micros(truth.getEnd()));
        // what waits for a prediction or an embedding keeps no audio
        WindowTruth facts = truth.getHeardAudio() == null ? truth : WindowTruth.newBuilder(truth).setHeardAudio(null).setActorAudio(null).build();
        Prediction prediction = predictions.remove(key);
        if (prediction == null) {
            wait(truths, key, facts, MAX_WAITING);
        } else {
            score(prediction, facts);
        }
        io.mmstream.schema.WindowEmbedding embedding = embeddings.remove(key);
        if (embedding == null) {
            wait(embeddingTruths, key, facts, MAX_WAITING);
        } else {
            index(embedding, facts);
        }
        if (truth.getHeardAudio() != null) {
            long shareStart = Times.micros(truth.getEnd()) - truth.getHeardAudio().remaining() / 2 * 1_000_000L / SAMPLE_RATE;
            String shareKey = key(truth.getStreamId(), shareStart, shareStart);
            io.mmstream.schema.AudioChunk chunk = separated.remove(shareKey);
            if (chunk == null) {
                wait(audioTruths, shareKey, truth, MAX_AUDIO_WAITING);
            } else {
                scoreSeparation(chunk, truth);
            }
        }
    }

    /** A chunk of separated audio (the separation topic's): one window's last slide. */
    public void add(io.mmstream.schema.AudioChunk chunk) {
        long start = Times.micros(chunk.getCaptureTime());
        String key = key(chunk.getStreamId(), start, start);
        WindowTruth truth = audioTruths.remove(key);
        if (truth == null) {
            wait(separated, key, chunk, MAX_WAITING);
        } else {
            scoreSeparation(chunk, truth);
        }
    }

    /** The truth's audio is 16 kHz, as the job's separation publishes it. */
    private static final int SAMPLE_RATE = 16_000;

    private void scoreSeparation(io.mmstream.schema.AudioChunk chunk, WindowTruth truth) {
        float[] heard = io.mmstream.media.Pcm.toMono(truth.getHeardAudio().duplicate(), io.mmstream.schema.SampleFormat.PCM_S16LE, 1);
        float[] actor = io.mmstream.media.Pcm.toMono(truth.getActorAudio().duplicate(), io.mmstream.schema.SampleFormat.PCM_S16LE, 1);
        float[] out = io.mmstream.media.Pcm.toMono(chunk.getData().duplicate(), chunk.getFormat(), chunk.getChannels());
        if (chunk.getSampleRate() != SAMPLE_RATE || out.length != actor.length || !SeparationEvaluation.audible(actor)) {
            return;
        }
        separationWindows++;
        heardDb += io.mmstream.eval.metrics.SiSdr.of(heard, actor);
        separatedDb += io.mmstream.eval.metrics.SiSdr.of(out, actor);
    }

    /** Separated seconds scored (the actor audible in them). */
    public long separationWindows() {
        return separationWindows;
    }

    /** The mean SI-SDR improvement of the separated seconds scored, in dB. */
    public double separationImprovementDb() {
        return separationWindows == 0 ? Double.NaN : (separatedDb - heardDb) / separationWindows;
    }

    /** A window's embedding (the embeddings topic's); only the retrieval result's is scored. */
    public void add(io.mmstream.schema.WindowEmbedding embedding) {
        if (embedText == null || !embedding.getResultName().equals(WindowHeads.TASK_RETRIEVAL)) {
            return;
        }
        String key = key(embedding.getStreamId(), Times.micros(embedding.getWindowStart()), Times.micros(embedding.getWindowEnd()));
        WindowTruth truth = embeddingTruths.remove(key);
        if (truth == null) {
            wait(embeddings, key, embedding, MAX_WAITING);
        } else {
            index(embedding, truth);
        }
    }

    private void index(io.mmstream.schema.WindowEmbedding embedding, WindowTruth truth) {
        float[] vector = new float[embedding.getEmbedding().size()];
        for (int i = 0; i < vector.length; i++) {
            vector[i] = embedding.getEmbedding().get(i);
        }
        retrievalWindows.addLast(vector);
        retrievalFacts.addLast(RetrievalEvaluation.Facts.of(truth));
        if (retrievalWindows.size() > RETRIEVAL_WINDOWS) {
            retrievalWindows.removeFirst();
            retrievalFacts.removeFirst();
        }
    }

    /** Windows whose embedding and truth have both arrived (the newest {@value #RETRIEVAL_WINDOWS}). */
    public int retrievalWindows() {
        return retrievalWindows.size();
    }

    /** Text to window over the windows joined so far, per query family and over all queries ("all"). */
    public Map<String, RetrievalEvaluation.Figures> textToWindow() {
        return RetrievalEvaluation.textToWindow(new ArrayList<>(retrievalFacts), retrievalWindows.toArray(float[][]::new), this::embedQueries);
    }

    /** Each query's embedding, embedded once. */
    private List<float[]> embedQueries(List<String> texts) {
        List<String> missing = texts.stream().filter(t -> !queryEmbeddings.containsKey(t)).toList();
        if (!missing.isEmpty()) {
            List<float[]> embedded = embedText.apply(missing);
            for (int i = 0; i < missing.size(); i++) {
                queryEmbeddings.put(missing.get(i), embedded.get(i));
            }
        }
        return texts.stream().map(queryEmbeddings::get).toList();
    }

    private static <T> void wait(Map<String, T> waiting, String key, T value, int limit) {
        waiting.put(key, value);
        if (waiting.size() > limit) {
            waiting.remove(waiting.keySet().iterator().next());
        }
    }

    private static String key(String stream, long startMicros, long endMicros) {
        return stream + "\u0000" + startMicros + "\u0000" + endMicros;
    }

    private void score(Prediction prediction, WindowTruth truth) {
        joined++;
        for (TaskResult result : prediction.getResults()) {
            if (result.getQuestion() != null) {
                SceneTruth.Question question = questionOf(result.getQuestion());
                String answer = truth.getAnswers().stream().filter(a -> question != null && a.getQuestion().equals(question.wireName()))
                        .map(QuestionAnswer::getAnswer).findFirst().orElse(null);
                if (answer != null && result.getLabel() != null && question.answerable(!truth.getSounds().isEmpty())) {
                    long[] tally = answers.computeIfAbsent(question, q -> new long[2]);
                    tally[0]++;
                    tally[1] += answer.equals(result.getLabel()) ? 1 : 0;
                }
            } else if (result.getTask().equals(WindowHeads.TASK_CAPTION) && result.getLabel() != null) {
                captions.addLast(words(result.getLabel()));
                references.addLast(truth.getCaptions().stream().map(LiveCrossModal::words).toList());
                if (captions.size() > CAPTION_WINDOWS) {
                    captions.removeFirst();
                    references.removeFirst();
                }
            }
        }
    }

    /** The simulator's question a standing question asks, by any of its wordings; null for another question. */
    static SceneTruth.Question questionOf(String text) {
        String asked = text.trim().toLowerCase(Locale.ROOT);
        for (SceneTruth.Question question : SceneTruth.Question.values()) {
            if (question.wordings().contains(asked)) {
                return question;
            }
        }
        return null;
    }

    private static List<String> words(String text) {
        return text.isBlank() ? List.of() : List.of(text.trim().split("\\s+"));
    }

    /** Windows whose prediction and truth have both arrived. */
    public long joined() {
        return joined;
    }

    public List<QuestionScore> questions() {
        List<QuestionScore> out = new ArrayList<>();
        answers.forEach((question, tally) -> out.add(new QuestionScore(question.wireName(), tally[0], tally[1])));
        return out;
    }

    public int captionWindows() {
        return captions.size();
    }

    public double captionBleu4() {
        return captions.isEmpty() ? Double.NaN : Bleu.corpus(new ArrayList<>(references), new ArrayList<>(captions), 4);
    }

    public double captionCiderD() {
        return captions.isEmpty() ? Double.NaN : CiderD.corpus(new ArrayList<>(references), new ArrayList<>(captions));
    }

    /** The figures as JSON fields (no braces), as {@link LiveAccuracy#json} gives its own. */
    public String json() {
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "\"truthJoined\": %d, \"questions\": {", joined));
        List<QuestionScore> scores = questions();
        for (int i = 0; i < scores.size(); i++) {
            QuestionScore s = scores.get(i);
            out.append(String.format(Locale.ROOT, "%s\"%s\": {\"windows\": %d, \"accuracy\": %.4f}", i == 0 ? "" : ", ", s.question(), s.scored(),
                    s.accuracy()));
        }
        out.append("}");
        if (!captions.isEmpty()) {
            out.append(String.format(Locale.ROOT, ", \"captions\": {\"windows\": %d, \"bleu4\": %.4f, \"ciderD\": %.4f}", captions.size(),
                    captionBleu4(), captionCiderD()));
        }
        RetrievalEvaluation.Figures all = retrievalWindows.isEmpty() ? null : textToWindow().get("all");
        if (all != null && all.queries() > 0) {
            out.append(String.format(Locale.ROOT, ", \"retrieval\": {\"windows\": %d, \"queries\": %d, \"r1\": %.4f, \"r5\": %.4f, \"r10\": %.4f, "
                    + "\"map\": %.4f}", retrievalWindows.size(), all.queries(), all.recallAt1(), all.recallAt5(), all.recallAt10(), all.meanAveragePrecision()));
        }
        if (separationWindows > 0) {
            out.append(String.format(Locale.ROOT, ", \"separation\": {\"windows\": %d, \"siSdrImprovementDb\": %.4f, \"siSdrHeardDb\": %.4f, "
                    + "\"siSdrSeparatedDb\": %.4f}", separationWindows, separationImprovementDb(), heardDb / separationWindows,
                    separatedDb / separationWindows));
        }
        return out.toString();
    }
}
