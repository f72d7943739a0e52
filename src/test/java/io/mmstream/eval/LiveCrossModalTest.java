package io.mmstream.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.mmstream.inference.WindowHeads;
import io.mmstream.schema.Prediction;
import io.mmstream.schema.QuestionAnswer;
import io.mmstream.schema.TaskResult;
import io.mmstream.schema.WindowTruth;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Answers and captions joined with the window's truth whichever arrives first, scored per question type. */
class LiveCrossModalTest {

    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void answersAreScoredPerQuestionTypeByAnyOfItsWordingsAndCaptionsAgainstTheReferences() {
        LiveCrossModal live = new LiveCrossModal();
        // the truth first for one window, the prediction first for the other
        live.add(truth("cam-1", 0, "no", "a person waves"));
        live.add(prediction("cam-1", 0, "no", "a person waves"));
        live.add(prediction("cam-2", 0, "yes", "a person claps"));
        assertThat(live.joined()).isEqualTo(1);
        live.add(truth("cam-2", 0, "no", "a person waves"));
        // a window of another stream, or another question, is not scored
        live.add(prediction("cam-3", 0, "no", "a person waves"));

        assertThat(live.joined()).isEqualTo(2);
        assertThat(live.questions()).containsExactly(new LiveCrossModal.QuestionScore("fell", 2, 1));
        assertThat(live.captionWindows()).isEqualTo(2);
        assertThat(live.captionBleu4()).isCloseTo(io.mmstream.eval.metrics.Bleu.corpus(List.of(List.of(List.of("a", "person", "waves")),
                List.of(List.of("a", "person", "waves"))), List.of(List.of("a", "person", "waves"), List.of("a", "person", "claps")), 4), within(1e-12));
        assertThat(LiveCrossModal.questionOf("Is anyone on the floor? ")).isEqualTo(io.mmstream.sim.SceneTruth.Question.FELL);
        assertThat(LiveCrossModal.questionOf("is the kettle on?")).isNull();
        assertThat(live.json()).startsWith("\"truthJoined\": 2, \"questions\": {\"fell\": {\"windows\": 2, \"accuracy\": 0.5000}}, \"captions\": {\"windows\": 2");
    }

    @Test
    void syncIsScoredOnlyWhereTheActorMakesASound() {
        LiveCrossModal live = new LiveCrossModal();
        for (int second = 0; second < 2; second++) {
            TaskResult said = TaskResult.newBuilder().setTask(WindowHeads.TASK_ANSWER).setLabel("no").setQuestion("are sound and picture in sync?")
                    .setModelName("question_answering").setModelVersion("1.0.0").build();
            Prediction prediction = prediction("cam-1", second, "no", "a person claps");
            prediction.setResults(List.of(said));
            live.add(prediction);
            WindowTruth truth = truth("cam-1", second, "no", "a person claps");
            truth.setAnswers(List.of(new QuestionAnswer("sync", "are sound and picture in sync?", "yes")));
            // the first window is silent: its offset shows in neither picture nor sound
            truth.setSounds(second == 0 ? List.of() : List.of("clap"));
            live.add(truth);
        }
        assertThat(live.joined()).isEqualTo(2);
        assertThat(live.questions()).containsExactly(new LiveCrossModal.QuestionScore("sync", 1, 0));
    }

    @Test
    void separatedSecondsAreScoredAgainstTheTruthsAudioWhicheverArrivesFirst() {
        LiveCrossModal live = new LiveCrossModal();
        java.util.Random random = new java.util.Random(2);
        float[] actor = new float[16_000];
        float[] noise = new float[16_000];
        for (int i = 0; i < actor.length; i++) {
            actor[i] = (float) (0.1 * Math.sin(i * 0.05));
            noise[i] = (float) (0.05 * random.nextGaussian());
        }
        float[] heard = new float[16_000];
        float[] cleaner = new float[16_000];
        for (int i = 0; i < actor.length; i++) {
            heard[i] = actor[i] + noise[i];
            cleaner[i] = actor[i] + noise[i] / 10;
        }
        WindowTruth first = withAudio(truth("cam-1", 0, "no", "a person waves"), heard, actor);
        WindowTruth second = withAudio(truth("cam-1", 1, "no", "a person waves"), heard, actor);
        // the truth first for one second, the separated audio first for the other; the window's last second is scored
        live.add(first);
        live.add(separated("cam-1", 1, cleaner));
        live.add(separated("cam-1", 2, cleaner));
        assertThat(live.separationWindows()).isEqualTo(1);
        live.add(second);
        // a second no truth covers is not scored, nor a window whose actor is silent
        live.add(separated("cam-2", 1, cleaner));
        live.add(withAudio(truth("cam-3", 0, "no", "a person waves"), noise, new float[16_000]));
        live.add(separated("cam-3", 1, cleaner));

        assertThat(live.separationWindows()).isEqualTo(2);
        double expected = io.mmstream.eval.metrics.SiSdr.improvement(pcm(cleaner), pcm(heard), pcm(actor));
        assertThat(live.separationImprovementDb()).isCloseTo(expected, within(1e-9)).isCloseTo(20, within(0.5));
        assertThat(live.json()).contains("\"separation\": {\"windows\": 2, \"siSdrImprovementDb\": ");
    }

    @Test
    void windowEmbeddingsJoinTheirTruthAndAreSearchedWithTheQueriesInWords() {
        // a toy text space: a query about clapping points one way, every other query the other
        LiveCrossModal live = new LiveCrossModal(texts -> texts.stream().map(t -> t.contains("claps") ? new float[] {1, 0} : new float[] {0, 1}).toList());
        WindowTruth clapping = truth("cam-1", 0, "no", "a person claps");
        clapping.setAction("clap");
        live.add(clapping);
        live.add(embedding("cam-1", 0, new float[] {1, 0.1f}));
        live.add(embedding("cam-1", 1, new float[] {0.1f, 1}));
        live.add(truth("cam-1", 1, "no", "a person waves"));
        // another result's embedding, or one no truth covers, is not searched
        live.add(embedding("cam-2", 0, new float[] {1, 0}));
        assertThat(live.retrievalWindows()).isEqualTo(2);
        RetrievalEvaluation.Figures actions = live.textToWindow().get("action");
        assertThat(actions.queries()).as("someone claps, someone waves").isEqualTo(2);
        assertThat(actions.recallAt1()).isEqualTo(1.0);
        assertThat(live.json()).contains("\"retrieval\": {\"windows\": 2, ");
    }

    private static io.mmstream.schema.WindowEmbedding embedding(String stream, long startSeconds, float[] vector) {
        List<Float> values = new java.util.ArrayList<>();
        for (float v : vector) {
            values.add(v);
        }
        return io.mmstream.schema.WindowEmbedding.newBuilder().setStreamId(stream).setWindowStart(START.plusSeconds(startSeconds))
                .setWindowEnd(START.plusSeconds(startSeconds + 2)).setResultName(WindowHeads.TASK_RETRIEVAL).setModelName("window_embedding")
                .setModelVersion("1.0.0").setEmbedding(values).build();
    }

    private static WindowTruth withAudio(WindowTruth truth, float[] heard, float[] actor) {
        truth.setHeardAudio(java.nio.ByteBuffer.wrap(io.mmstream.media.Pcm.toS16le(heard)));
        truth.setActorAudio(java.nio.ByteBuffer.wrap(io.mmstream.media.Pcm.toS16le(actor)));
        return truth;
    }

    private static io.mmstream.schema.AudioChunk separated(String stream, long startSeconds, float[] samples) {
        return io.mmstream.schema.AudioChunk.newBuilder().setStreamId(stream).setCaptureTime(START.plusSeconds(startSeconds)).setSeq(startSeconds)
                .setSampleRate(16_000).setChannels(1).setFormat(io.mmstream.schema.SampleFormat.PCM_S16LE)
                .setData(java.nio.ByteBuffer.wrap(io.mmstream.media.Pcm.toS16le(samples))).build();
    }

    private static float[] pcm(float[] samples) {
        return io.mmstream.media.Pcm.toMono(java.nio.ByteBuffer.wrap(io.mmstream.media.Pcm.toS16le(samples)), io.mmstream.schema.SampleFormat.PCM_S16LE, 1);
    }

    private static Prediction prediction(String stream, long startSeconds, String fellAnswer, String caption) {
        TaskResult answer = TaskResult.newBuilder().setTask(WindowHeads.TASK_ANSWER).setLabel(fellAnswer).setQuestion("is anyone on the floor?")
                .setModelName("question_answering").setModelVersion("1.0.0").build();
        TaskResult other = TaskResult.newBuilder().setTask(WindowHeads.TASK_ANSWER).setLabel("yes").setQuestion("is the kettle on?")
                .setModelName("question_answering").setModelVersion("1.0.0").build();
        TaskResult captioned = TaskResult.newBuilder().setTask(WindowHeads.TASK_CAPTION).setLabel(caption)
                .setModelName("caption_decoder").setModelVersion("1.0.0").build();
        return Prediction.newBuilder().setStreamId(stream).setWindowStart(START.plusSeconds(startSeconds)).setWindowEnd(START.plusSeconds(startSeconds + 2))
                .setGridStepMicros(66_667).setResults(List.of(answer, other, captioned)).setCoverage(List.of()).setModalitiesPresent(List.of())
                .setEmitTime(START).setCaptureToEmitMillis(0).build();
    }

    private static WindowTruth truth(String stream, long startSeconds, String fell, String caption) {
        return WindowTruth.newBuilder().setStreamId(stream).setStart(START.plusSeconds(startSeconds)).setEnd(START.plusSeconds(startSeconds + 2))
                .setAction("wave").setPeople(1).setShirtColour("red").setLightOn(true).setVoices(0).setSounds(List.of()).setPosition("middle")
                .setAvOffsetMicros(0).setInSync(true).setFell(fell.equals("yes")).setCaptions(List.of(caption))
                .setAnswers(List.of(new QuestionAnswer("fell", "did someone fall?", fell))).build();
    }
}
