package io.mmstream.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.mmstream.MediaTools;
import io.mmstream.codec.Times;
import io.mmstream.codec.WireCodec;
import io.mmstream.config.JobConfig;
import io.mmstream.inference.ElementModel;
import io.mmstream.inference.InferenceOptions;
import io.mmstream.inference.ModelCard;
import io.mmstream.inference.OnnxModel;
import io.mmstream.kafka.EmbeddedKafka;
import io.mmstream.schema.AudioChunk;
import io.mmstream.schema.TextEvent;
import io.mmstream.schema.TextSource;
import io.mmstream.schema.VideoFrame;
import io.mmstream.schema.Prediction;
import io.mmstream.schema.TaskResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sound.sampled.AudioFileFormat;
import javax.sound.sampled.AudioSystem;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Third-party models named in the pipeline file run in the job from their cards alone, on media no one here made,
 * published by `produce`: BlazeFace on two real photos made into clips by ffmpeg (python3-skimage's astronaut
 * portrait and its cup of coffee), Silero VAD on a sentence spoken by espeak-ng followed by silence, and on pink
 * noise. Every window of the portrait says one face and of the coffee none; the mean speech probability is above
 * 0.8 in every window full of speech and below 0.2 in every window of silence or noise; the speech's captions
 * (WebVTT made by ffmpeg) lie in their windows with the mean of their MiniLM embeddings, as does a chat message on the
 * portrait published by kcat. CI installs the tools
 * (.ci/run) and sets MMSTREAM_REQUIRE_MEDIA_TOOLS, so there the test cannot skip.
 */
class CardModelsJobTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = MiniClusters.twoSlots();

    private static final Path FFMPEG = Path.of("/usr/bin/ffmpeg");
    private static final Path ESPEAK = Path.of("/usr/bin/espeak-ng");
    private static final Path PHOTOS = Path.of("/usr/lib/python3/dist-packages/skimage/data");
    private static final Path KCAT = Path.of("/usr/bin/kcat");
    private static final long SECOND = 1_000_000;

    @Test
    void facesAndSpeechOfEveryWindowComeFromTheModelsCards(@TempDir Path dir) throws Exception {
        boolean available = Files.isExecutable(FFMPEG) && Files.isExecutable(ESPEAK) && Files.isDirectory(PHOTOS) && Files.isExecutable(KCAT);
        if (!available && System.getenv("MMSTREAM_REQUIRE_MEDIA_TOOLS") != null) {
            throw new AssertionError("the card-models test must run here, but ffmpeg, espeak-ng, python3-skimage or kcat is missing");
        }
        Assumptions.assumeTrue(available, "apt-get install ffmpeg espeak-ng python3-skimage kcat (.ci/run does)");
        try (EmbeddedKafka kafka = EmbeddedKafka.start(); KafkaTestClient client = new KafkaTestClient(kafka.bootstrapServers())) {
            JobConfig config = JobConfig.defaults(Map.ofEntries(
                    Map.entry("kafka.bootstrap-servers", kafka.bootstrapServers()), Map.entry("kafka.group-id", "cards"),
                    Map.entry("topics.video", "cards.video"), Map.entry("topics.audio", "cards.audio"), Map.entry("topics.sensor", "cards.sensor"),
                    Map.entry("topics.predictions", "cards.predictions"), Map.entry("topics.late", "cards.late"),
                    Map.entry("topics.deadletter", "cards.deadletter"), Map.entry("source.starting-offsets", "earliest"),
                    Map.entry("source.bounded", "true"), Map.entry("delivery.guarantee", "at-least-once"),
                    Map.entry("topics.text", "cards.text"), Map.entry("predictions.embeddings", "true"),
                    Map.entry("models.run", "frame_encoder,audio_encoder,blazeface_front,silero_vad,minilm_text,action_recognition,fusion_early,av_sync"), Map.entry("parallelism", "2")));
            kafka.createTopics(config, 2);
            for (Map.Entry<String, String> photo : Map.of("astronaut", "astronaut.png", "coffee", "coffee.png").entrySet()) {
                Path clip = dir.resolve(photo.getKey() + ".mp4");
                MediaTools.run(FFMPEG.toString(), "-y", "-loglevel", "error", "-loop", "1", "-framerate", "15", "-i", PHOTOS.resolve(photo.getValue()).toString(),
                        "-t", "4", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-vf", "scale=320:-2", clip.toString());
                assertThat(produce(kafka, photo.getKey(), "--video", clip)).isEmpty();
            }
            // a chat message about the portrait, published by another Kafka client (kcat, librdkafka): one file, one record
            long chatAt = firstCapture(client.readCommitted("cards.video"), "astronaut", VideoFrame.class) + 3 * SECOND / 2;
            Path chat = dir.resolve("chat.avro");
            Files.write(chat, WireCodec.encode(TextEvent.newBuilder().setStreamId("astronaut").setCaptureTime(Times.ofMicros(chatAt))
                    .setSource(TextSource.CHAT).setText(CHAT).setLanguage("en").build()));
            MediaTools.run(KCAT.toString(), "-b", kafka.bootstrapServers(), "-P", "-t", "cards.text", "-k", "astronaut", chat.toString());
            Path sentence = dir.resolve("sentence.wav");
            MediaTools.run(ESPEAK.toString(), "-w", sentence.toString(), "-s", "140",
                    "The quick brown fox jumps over the lazy dog and the band plays on in the warm evening light near the old harbour");
            AudioFileFormat spoken = AudioSystem.getAudioFileFormat(sentence.toFile());
            long speechMicros = (long) (spoken.getFrameLength() / spoken.getFormat().getFrameRate() * SECOND);
            Path speech = dir.resolve("speech.wav");
            MediaTools.run(FFMPEG.toString(), "-y", "-loglevel", "error", "-i", sentence.toString(), "-f", "lavfi", "-t", "4", "-i", "anullsrc=r=22050:cl=mono",
                    "-filter_complex", "[0][1]concat=n=2:v=0:a=1", speech.toString());
            // the sentence's captions, made into WebVTT by ffmpeg from SubRip, published with the speech on one clock
            Path srt = dir.resolve("speech.srt");
            Files.writeString(srt, "1\n00:00:00,500 --> 00:00:03,000\n" + CUES.get(0) + "\n\n2\n00:00:03,000 --> 00:00:06,000\n<i>" + CUES.get(1) + "</i>\n\n");
            Path vtt = dir.resolve("speech.vtt");
            MediaTools.run(FFMPEG.toString(), "-y", "-loglevel", "error", "-i", srt.toString(), vtt.toString());
            assertThat(MediaTools.produce(List.of("--bootstrap", kafka.bootstrapServers(), "--stream-id", "speech", "--topic-prefix", "cards.",
                    "--audio", speech.toString(), "--captions", vtt.toString(), "--language", "en", "--fast"))).isEmpty();
            Path noise = dir.resolve("noise.wav");
            MediaTools.run(FFMPEG.toString(), "-y", "-loglevel", "error", "-f", "lavfi", "-i", "anoisesrc=color=pink:amplitude=0.3:duration=5:seed=7", noise.toString());
            assertThat(produce(kafka, "noise", "--audio", noise)).isEmpty();

            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.configure(MiniClusters.NO_RESTARTS);
            MmstreamJob.configure(env, config);
            Pipeline.build(env, config);
            env.execute("mmstream-card-models");

            Map<String, List<Prediction>> byStream = new HashMap<>();
            KafkaTestClient.predictions(client.readCommitted("cards.predictions"))
                    .forEach(p -> byStream.computeIfAbsent(p.getStreamId(), k -> new ArrayList<>()).add(p));
            assertThat(byStream.keySet()).containsExactlyInAnyOrder("astronaut", "coffee", "speech", "noise");
            assertThat(client.readCommitted("cards.deadletter")).isEmpty();

            // 4 s of frames lie in 5 sliding windows of 2 s every 1 s, or 6 where they do not start on a whole second
            assertThat(byStream.get("astronaut")).hasSizeBetween(5, 6).allSatisfy(p -> {
                TaskResult faces = result(p, "faces");
                assertThat(faces.getModelName()).isEqualTo("blazeface_front");
                assertThat(faces.getValues()).as("[faces, best score] of a window of the portrait").hasSize(2).first().isEqualTo(1f);
                assertThat(faces.getValues().get(1)).isGreaterThan(0.75f);
            });
            assertThat(byStream.get("coffee")).hasSizeBetween(5, 6).allSatisfy(p ->
                    assertThat(result(p, "faces").getValues()).as("[faces, best score] of a window of the coffee cup").containsExactly(0f, 0f));

            long speechStart = firstCapture(client.readCommitted("cards.audio"), "speech", AudioChunk.class);
            List<Prediction> fullOfSpeech = within(byStream.get("speech"), speechStart + SECOND / 2, speechStart + speechMicros - SECOND / 2);
            List<Prediction> silent = within(byStream.get("speech"), speechStart + speechMicros + SECOND / 2, speechStart + speechMicros + 4 * SECOND);
            long noiseStart = firstCapture(client.readCommitted("cards.audio"), "noise", AudioChunk.class);
            List<Prediction> noisy = within(byStream.get("noise"), noiseStart, noiseStart + 5 * SECOND);
            assertThat(fullOfSpeech).as("windows full of speech").isNotEmpty().allSatisfy(p ->
                    assertThat(result(p, "speech").getValues().get(0)).as("mean speech probability at %s", p.getWindowStart()).isGreaterThan(0.8f));
            assertThat(silent).as("windows of silence").isNotEmpty().allSatisfy(p ->
                    assertThat(result(p, "speech").getValues().get(0)).as("mean speech probability at %s", p.getWindowStart()).isLessThan(0.2f));
            assertThat(noisy).as("windows of pink noise").hasSizeGreaterThanOrEqualTo(3).allSatisfy(p ->
                    assertThat(result(p, "speech").getValues().get(0)).as("mean speech probability at %s", p.getWindowStart()).isLessThan(0.2f));
            System.out.printf("card models: mean speech probability per window: speech %s, silence %s, pink noise %s%n",
                    speechMeans(fullOfSpeech), speechMeans(silent), speechMeans(noisy));
            // a stream without audio has no speech result, and says why
            assertThat(result(byStream.get("coffee").get(0), "speech").getReason()).isEqualTo("no audio_step in the window");

            // each caption lies in the windows that hold its cue's start, and their text embedding is the mean of their own
            List<Long> cueStarts = List.of(speechStart + SECOND / 2, speechStart + 3 * SECOND);
            List<float[]> cueEmbeddings = embeddings(CUES);
            int windowsWithText = 0;
            for (Prediction p : byStream.get("speech")) {
                List<Integer> inWindow = new ArrayList<>();
                for (int c = 0; c < CUES.size(); c++) {
                    if (cueStarts.get(c) >= Times.micros(p.getWindowStart()) && cueStarts.get(c) < Times.micros(p.getWindowEnd())) {
                        inWindow.add(c);
                    }
                }
                assertThat(p.getTexts()).as("texts of the window at %s", p.getWindowStart())
                        .extracting(t -> t.getText() + "|" + t.getSource() + "|" + t.getLanguage() + "|" + Times.micros(t.getCaptureTime()))
                        .containsExactlyElementsOf(inWindow.stream().map(c -> CUES.get(c) + "|caption|en|" + cueStarts.get(c)).toList());
                TaskResult text = result(p, "text_embedding");
                if (inWindow.isEmpty()) {
                    assertThat(text.getReason()).isEqualTo("no text in the window");
                    continue;
                }
                windowsWithText++;
                assertThat(text.getEmbedding()).hasSize(384);
                for (int i = 0; i < 384; i++) {
                    double mean = 0;
                    for (int c : inWindow) {
                        mean += cueEmbeddings.get(c)[i] / inWindow.size();
                    }
                    assertThat((double) text.getEmbedding().get(i)).isCloseTo(mean, org.assertj.core.api.Assertions.within(1e-4));
                }
            }
            assertThat(windowsWithText).as("windows holding a caption").isEqualTo(4);
            // the chat message lies in the portrait's windows that hold its time, with its own embedding
            float[] chatEmbedding = embeddings(List.of(CHAT)).get(0);
            List<Prediction> withChat = byStream.get("astronaut").stream()
                    .filter(p -> chatAt >= Times.micros(p.getWindowStart()) && chatAt < Times.micros(p.getWindowEnd())).toList();
            assertThat(withChat).hasSize(2).allSatisfy(p -> {
                assertThat(p.getTexts()).extracting(t -> t.getText() + "|" + t.getSource()).containsExactly(CHAT + "|chat");
                List<Float> embedding = result(p, "text_embedding").getEmbedding();
                for (int i = 0; i < chatEmbedding.length; i++) {
                    assertThat((double) embedding.get(i)).isCloseTo(chatEmbedding[i], org.assertj.core.api.Assertions.within(1e-4));
                }
            });
            assertThat(byStream.get("astronaut")).filteredOn(p -> !withChat.contains(p)).allSatisfy(p -> assertThat(p.getTexts()).isEmpty());
        }
    }

    private static final String CHAT = "Is that an astronaut in a spacesuit?";
    private static final List<String> CUES = List.of("The quick brown fox jumps over the lazy dog",
            "and the band plays on in the warm evening light near the old harbour");

    /** The texts' embeddings computed here, straight from the model's card. */
    private static List<float[]> embeddings(List<String> texts) {
        try (OnnxModel onnx = OnnxModel.open(ModelCard.load(Path.of("onnx-models/minilm_text.json")), InferenceOptions.cpu(1))) {
            ElementModel model = new ElementModel(onnx);
            return model.run(texts.stream().map(t -> ElementModel.Call.text(model.tokens(t))).toList()).stream()
                    .map(ElementModel.Outcome::values).toList();
        }
    }

    private static List<String> speechMeans(List<Prediction> windows) {
        return windows.stream().map(p -> String.format(java.util.Locale.ROOT, "%.3f", result(p, "speech").getValues().get(0))).toList();
    }

    private static TaskResult result(Prediction prediction, String name) {
        return prediction.getResults().stream().filter(r -> r.getTask().equals(name)).findFirst().orElseThrow();
    }

    /** The windows lying wholly within [from, to). */
    private static List<Prediction> within(List<Prediction> windows, long from, long to) {
        return windows.stream().filter(p -> Times.micros(p.getWindowStart()) >= from && Times.micros(p.getWindowEnd()) <= to).toList();
    }

    /** The earliest capture time of a stream's records of one type. */
    private static <T extends org.apache.avro.specific.SpecificRecord> long firstCapture(List<ConsumerRecord<byte[], byte[]>> records, String stream,
                                                                                      Class<T> type) throws Exception {
        long first = Long.MAX_VALUE;
        for (ConsumerRecord<byte[], byte[]> record : records) {
            if (new String(record.key(), StandardCharsets.UTF_8).equals(stream)) {
                T decoded = WireCodec.decode(type, record.value());
                first = Math.min(first, Times.micros((java.time.Instant) decoded.get(decoded.getSchema().getField("captureTime").pos())));
            }
        }
        return first;
    }

    private static String produce(EmbeddedKafka kafka, String stream, String option, Path file) {
        return MediaTools.produce(List.of("--bootstrap", kafka.bootstrapServers(), "--stream-id", stream, "--topic-prefix", "cards.",
                option, file.toString(), "--fast"));
    }
}
