package io.mmstream.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.mmstream.codec.Times;
import io.mmstream.codec.WireCodec;
import io.mmstream.kafka.EmbeddedKafka;
import io.mmstream.schema.LabelScore;
import io.mmstream.schema.ModalityCoverage;
import io.mmstream.schema.Prediction;
import io.mmstream.schema.TaskResult;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real browser (Debian's chromium, headless, through chromedriver) against a real broker fed
 * with recorded predictions. CI installs the browser (.ci/run) and sets MMSTREAM_REQUIRE_BROWSER, so there the
 * test cannot skip; on a machine without chromium it is skipped with a message.
 */
class DashboardBrowserTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final String HOSTILE = "<img src=x onerror=\"window.injected=1\">cam";
    private static final PredictionFeed.Topics TOPICS = new PredictionFeed.Topics("dash.predictions", "dash.labels", "dash.late", "dash.deadletter");

    private static EmbeddedKafka kafka;
    private static KafkaProducer<byte[], byte[]> producer;
    private static ChromeDriver browser;
    private long nextWindow = 1_700_000_000_000L;

    @BeforeAll
    static void start() throws Exception {
        boolean available = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!available && System.getenv("MMSTREAM_REQUIRE_BROWSER") != null) {
            throw new AssertionError("the browser test must run here, but " + CHROMIUM + " or " + CHROMEDRIVER + " is missing");
        }
        Assumptions.assumeTrue(available, "no " + CHROMIUM + " and " + CHROMEDRIVER + ": apt-get install chromium chromium-driver (.ci/run does)");
        kafka = EmbeddedKafka.start();
        try (Admin admin = Admin.create(kafka.clientProperties())) {
            admin.createTopics(List.of(new NewTopic(TOPICS.predictions(), 2, (short) 1), new NewTopic(TOPICS.labels(), 1, (short) 1),
                    new NewTopic(TOPICS.late(), 1, (short) 1), new NewTopic(TOPICS.deadLetter(), 1, (short) 1))).all().get();
        }
        producer = new KafkaProducer<>(kafka.clientProperties(), new ByteArraySerializer(), new ByteArraySerializer());
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000");
        browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build(), options);
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (producer != null) {
            producer.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void theLivePageShowsEveryStreamSafelyKeepsUpdatingAndSurvivesAServerRestart() throws Exception {
        DashboardState state = new DashboardState(66_667);
        try (PredictionFeed feed = new PredictionFeed(kafka.clientProperties(), TOPICS, true, state)) {
            DashboardServer server = DashboardServer.start("127.0.0.1", 0, state, Duration.ofMillis(250));
            int port = server.url().getPort();
            try {
                window("cam-1", "walk", 0);
                window("cam-2", "clap", 300_000);
                window(HOSTILE, "idle", 0);
                browser.get(server.url().toString());

                // predictions appear within a few seconds
                List<WebElement> cards = await(10, () -> cards().size() == 3 ? cards() : null);
                assertThat(cards).extracting(card -> card.findElement(By.cssSelector(".id")).getText())
                        .containsExactlyInAnyOrder("cam-1", "cam-2", HOSTILE);
                // the id with markup is text: no image element, no script ran
                assertThat(browser.findElements(By.cssSelector("#grid img"))).isEmpty();
                assertThat(((JavascriptExecutor) browser).executeScript("return window.injected === undefined")).isEqualTo(true);
                // audio 300 ms late is outside the band (more than 125 ms late): alarm on cam-2 only
                assertThat(card("cam-2").getAttribute("class")).contains("alarm");
                assertThat(card("cam-1").getAttribute("class")).doesNotContain("alarm");
                assertThat(card("cam-1").findElement(By.cssSelector(".label")).getText()).isEqualTo("walk");
                assertThat(card("cam-1").findElement(By.cssSelector(".results")).getText()).as("any other model's result, by its kind")
                        .isEqualTo("faces: 1 / 0.91 text_embedding: 384-d embedding is anyone on the floor?: no 97% is the light on?: yes 88% "
                                + "caption: a person in a <i>red</i> shirt walks");
                assertThat(browser.findElements(By.cssSelector(".results i"))).as("a caption is text, never markup").isEmpty();
                // the window's texts as text, markup and all
                assertThat(card("cam-1").findElement(By.cssSelector(".texts")).getText()).isEqualTo("asr: turn <b>left</b> here");
                assertThat(browser.findElements(By.cssSelector(".texts b"))).isEmpty();

                // and keep updating
                window("cam-1", "jump", 0);
                await(10, () -> card("cam-1").findElement(By.cssSelector(".label")).getText().equals("jump") ? true : null);
                window("cam-2", "clap", 40_000);
                await(10, () -> card("cam-2").getAttribute("class").contains("alarm") ? null : true);
                // one window's estimate flickers out of the band while its stream's holds: no alarm, the stream's offset shown
                window("cam-1", "jump", 333_000, 0);
                await(10, () -> card("cam-1").findElement(By.cssSelector(".sync")).getText().equals("audio 0 ms (10 windows, 80% agree)") ? true : null);
                assertThat(card("cam-1").getAttribute("class")).doesNotContain("alarm");
                screenshot("dashboard.png");

                // a stream opened alone
                browser.get(server.url() + "#stream=" + java.net.URLEncoder.encode(HOSTILE, StandardCharsets.UTF_8).replace("+", "%20"));
                await(10, () -> visibleCards().size() == 1 ? true : null);
                assertThat(visibleCards().get(0).findElement(By.cssSelector(".id")).getText()).isEqualTo(HOSTILE);
                browser.get(server.url().toString());
                await(10, () -> visibleCards().size() == 3 ? true : null);
            } finally {
                server.close();
            }

            // the server goes away and comes back on the same port: the page reconnects by itself
            await(10, () -> browser.findElement(By.id("connection")).getText().equals("reconnecting") ? true : null);
            server = DashboardServer.start("127.0.0.1", port, state, Duration.ofMillis(250));
            try {
                await(15, () -> browser.findElement(By.id("connection")).getText().equals("live") ? true : null);
                window("cam-1", "fall", 0);
                await(10, () -> card("cam-1").findElement(By.cssSelector(".label")).getText().equals("fall") ? true : null);

                // hundreds of streams: all shown, the page still answering
                long started = System.nanoTime();
                for (int s = 0; s < 300; s++) {
                    window(String.format("load-%03d", s), "run", s % 7 == 0 ? 250_000 : 0);
                }
                await(30, () -> cards().size() == 303 ? true : null);
                window("load-000", "sit_down", 0);
                await(10, () -> card("load-000").findElement(By.cssSelector(".label")).getText().equals("sit_down") ? true : null);
                System.out.printf("dashboard: 303 streams shown and updated %.1f s after the first of 300 new ones was sent%n",
                        (System.nanoTime() - started) / 1e9);
                // every 7th load stream is 250 ms late, but load-000 has come back into sync
                assertThat(browser.findElements(By.cssSelector(".card.alarm"))).hasSize(300 / 7 + 1 - 1);
                screenshot("dashboard-300-streams.png");

                // a thousand idle event streams held open on loopback: the browser still gets every update
                List<java.net.Socket> idle = new ArrayList<>();
                try {
                    for (int i = 0; i < 1000; i++) {
                        java.net.Socket socket = new java.net.Socket("127.0.0.1", port);
                        idle.add(socket);
                        socket.getOutputStream().write("GET /events HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    }
                    DashboardServer held = server;
                    await(60, () -> held.clients() >= 1001 ? true : null);
                    for (String label : List.of("walk", "run", "jump")) {
                        int before = updatesSeen();
                        window("cam-2", label, 0);
                        await(10, () -> updatesSeen() > before ? true : null);
                        await(10, () -> card("cam-2").findElement(By.cssSelector(".label")).getText().equals(label) ? true : null);
                    }
                    System.out.printf("dashboard: %d event streams held, the browser counted %d updates%n", server.clients(), updatesSeen());
                } finally {
                    for (java.net.Socket socket : idle) {
                        socket.close();
                    }
                }
            } finally {
                server.close();
            }
        }
    }

    /** Updates the page has received, as it counts them on its connection badge. */
    private static int updatesSeen() {
        String count = browser.findElement(By.id("connection")).getDomAttribute("data-updates");
        return count == null ? 0 : Integer.parseInt(count);
    }

    private List<WebElement> cards() {
        return browser.findElements(By.cssSelector("#grid .card"));
    }

    private List<WebElement> visibleCards() {
        return cards().stream().filter(WebElement::isDisplayed).toList();
    }

    /**
     * The search box: window embeddings on the embeddings topic, the words embedded by MiniLM (the job's text model);
     * each window's embedding here is MiniLM's of a sentence about it, so the words of a fall find the fall's window.
     */
    @Test
    void theSearchBoxFindsWindowsByWordsAndLinksToTheirStream() throws Exception {
        String embeddingsTopic = "dash.embeddings";
        try (Admin admin = Admin.create(kafka.clientProperties())) {
            admin.createTopics(List.of(new NewTopic(embeddingsTopic, 1, (short) 1))).all().get();
        }
        try (io.mmstream.inference.OnnxModel text = io.mmstream.inference.OnnxModel.open(
                io.mmstream.inference.ModelCard.load(Path.of("onnx-models/minilm_text.json")), io.mmstream.inference.InferenceOptions.cpu(1))) {
            var embed = WindowSearch.textEmbedder(new io.mmstream.inference.ElementModel(text));
            DashboardState state = new DashboardState(66_667);
            state.searchWith(new WindowSearch("retrieval", embed, 1000));
            PredictionFeed.Topics topics = new PredictionFeed.Topics(TOPICS.predictions(), TOPICS.labels(), TOPICS.late(), TOPICS.deadLetter(), embeddingsTopic, null);
            try (PredictionFeed feed = new PredictionFeed(kafka.clientProperties(), topics, true, state);
                 DashboardServer server = DashboardServer.start("127.0.0.1", 0, state, Duration.ofMillis(250))) {
                String[][] windows = {{"cam-walk", "a person walks across the room"}, {"cam-fall", "someone falls to the floor"},
                        {"cam-clap", "a person claps their hands"}, {"cam-sit", "someone sits down on a chair"}};
                for (String[] window : windows) {
                    long start = nextWindow;
                    nextWindow += 1000;
                    List<Float> values = new ArrayList<>();
                    for (float v : embed.apply(window[1])) {
                        values.add(v);
                    }
                    var record = io.mmstream.schema.WindowEmbedding.newBuilder().setStreamId(window[0])
                            .setWindowStart(Times.ofMicros(start * 1000)).setWindowEnd(Times.ofMicros((start + 2000) * 1000))
                            .setResultName("retrieval").setModelName("window_embedding").setModelVersion("1.0.0").setEmbedding(values).build();
                    producer.send(new ProducerRecord<>(embeddingsTopic, window[0].getBytes(StandardCharsets.UTF_8), WireCodec.encode(record))).get();
                }
                await(10, () -> state.search().size() == 4 ? true : null);

                browser.get(server.url().toString());
                browser.findElement(By.id("search-words")).sendKeys("a person falls down");
                browser.findElement(By.cssSelector("#search button")).click();
                List<WebElement> hits = await(10, () -> {
                    List<WebElement> found = browser.findElements(By.cssSelector("#search-results a.hit"));
                    return found.size() == 4 ? found : null;
                });
                assertThat(hits.get(0).getText()).startsWith("cam-fall ");
                hits.get(0).click();
                await(5, () -> browser.getCurrentUrl().endsWith("#stream=cam-fall") ? true : null);
                screenshot("dashboard-search.png");
            }
        }
        // a dashboard without a text model says so instead of failing
        try (DashboardServer bare = DashboardServer.start("127.0.0.1", 0, new DashboardState(66_667), Duration.ofMillis(250))) {
            var response = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(bare.url().resolve("/search?q=x")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(response.body()).contains("search is off");
        }
    }

    /**
     * The separated audio: chunks on the separated topic, as the job publishes them, show as seconds and level on
     * their stream's card, and its play button gives the browser the last seconds as WAV, which it decodes.
     */
    @Test
    void theSeparatedAudioShowsOnItsStreamsCardAndPlaysInTheBrowser() throws Exception {
        String separatedTopic = "dash.separated";
        try (Admin admin = Admin.create(kafka.clientProperties())) {
            admin.createTopics(List.of(new NewTopic(separatedTopic, 1, (short) 1))).all().get();
        }
        DashboardState state = new DashboardState(66_667);
        PredictionFeed.Topics topics = new PredictionFeed.Topics(TOPICS.predictions(), TOPICS.labels(), TOPICS.late(), TOPICS.deadLetter(), null, separatedTopic);
        try (PredictionFeed feed = new PredictionFeed(kafka.clientProperties(), topics, true, state);
             DashboardServer server = DashboardServer.start("127.0.0.1", 0, state, Duration.ofMillis(250))) {
            window("cam-voice", "clap", 0);
            window("cam-quiet", "walk", 0);
            int rate = 16_000;
            long start = nextWindow * 1000;
            java.io.ByteArrayOutputStream written = new java.io.ByteArrayOutputStream();
            for (int second = 0; second < 3; second++) {
                float[] tone = new float[rate];
                for (int i = 0; i < rate; i++) {
                    tone[i] = (float) (0.1 * Math.sin(2 * Math.PI * 440 * i / rate));
                }
                byte[] pcm = io.mmstream.media.Pcm.toS16le(tone);
                written.write(pcm);
                var chunk = io.mmstream.schema.AudioChunk.newBuilder().setStreamId("cam-voice").setCaptureTime(Times.ofMicros(start + second * 1_000_000L))
                        .setSeq(second).setSampleRate(rate).setChannels(1).setFormat(io.mmstream.schema.SampleFormat.PCM_S16LE)
                        .setData(java.nio.ByteBuffer.wrap(pcm)).build();
                producer.send(new ProducerRecord<>(separatedTopic, "cam-voice".getBytes(StandardCharsets.UTF_8), WireCodec.encode(chunk))).get();
            }

            browser.get(server.url().toString());
            // a sine of amplitude 0.1 is -23 dB
            await(10, () -> card("cam-voice").findElement(By.cssSelector(".separated-figures")).getText().equals("separated audio: 3 s, -23 dB") ? true : null);
            await(10, () -> card("cam-quiet").findElement(By.cssSelector(".label")).getText().equals("walk") ? true : null);
            assertThat(card("cam-quiet").findElement(By.cssSelector(".separated")).isDisplayed()).as("a stream without separated audio shows none").isFalse();
            card("cam-voice").findElement(By.cssSelector(".play")).click();
            JavascriptExecutor script = (JavascriptExecutor) browser;
            Object duration = await(10, () -> script.executeScript(
                    "const a = document.querySelector('[data-stream=\"cam-voice\"] .separated-audio'); return a.readyState >= 1 ? a.duration : null;"));
            assertThat(((Number) duration).doubleValue()).as("the browser decoded 3 s of WAV").isCloseTo(3.0, org.assertj.core.data.Offset.offset(0.01));
            screenshot("dashboard-separated.png");

            // the bytes the page plays are the bytes written
            var http = java.net.http.HttpClient.newHttpClient();
            var wav = http.send(java.net.http.HttpRequest.newBuilder(server.url().resolve("/audio?stream=cam-voice")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofByteArray());
            assertThat(wav.statusCode()).isEqualTo(200);
            assertThat(wav.headers().firstValue("Content-Type")).hasValue("audio/wav");
            assertThat(java.util.Arrays.copyOfRange(wav.body(), 44, wav.body().length)).isEqualTo(written.toByteArray());
            var none = http.send(java.net.http.HttpRequest.newBuilder(server.url().resolve("/audio?stream=nobody")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(none.statusCode()).isEqualTo(404);
        }
    }

    private WebElement card(String stream) {
        return cards().stream().filter(card -> stream.equals(card.getDomAttribute("data-stream"))).findFirst().orElseThrow();
    }

    private static <T> T await(int seconds, java.util.function.Supplier<T> condition) {
        return new WebDriverWait(browser, Duration.ofSeconds(seconds)).ignoring(java.util.NoSuchElementException.class)
                .ignoring(org.openqa.selenium.StaleElementReferenceException.class).until(driver -> condition.get());
    }

    private static void screenshot(String name) throws Exception {
        File shot = browser.getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), Path.of("target", name), StandardCopyOption.REPLACE_EXISTING);
    }

    /** One recorded prediction: the fusion and action heads say label, sync says the offset, for the window and its stream alike. */
    private void window(String stream, String label, long offsetMicros) throws Exception {
        window(stream, label, offsetMicros, offsetMicros);
    }

    /** One recorded prediction whose window's offset estimate and its stream's may differ. */
    private void window(String stream, String label, long offsetMicros, long streamOffsetMicros) throws Exception {
        long start = nextWindow;
        nextWindow += 1000;
        List<String> actions = List.of("idle", "walk", "run", "jump", "wave", "clap", "sit_down", "fall");
        List<LabelScore> scores = new ArrayList<>();
        for (String action : actions) {
            scores.add(new LabelScore(action, action.equals(label) ? 0.86f : 0.02f));
        }
        List<TaskResult> results = List.of(
                TaskResult.newBuilder().setTask("action").setModelName("action_recognition").setModelVersion("1.0.0").setLabel(label)
                        .setScores(scores).build(),
                TaskResult.newBuilder().setTask("fusion").setModelName("fusion_early").setModelVersion("1.0.0").setLabel(label)
                        .setScores(scores).build(),
                TaskResult.newBuilder().setTask("av_sync").setModelName("av_sync").setModelVersion("1.0.0")
                        .setLabel(Math.abs(offsetMicros) > 66_667 ? "out_of_sync" : "in_sync").setScores(List.of()).build(),
                // a model run from its card: values, no labels
                TaskResult.newBuilder().setTask("faces").setModelName("blazeface_front").setModelVersion("1.2.0").setLabel(null)
                        .setScores(List.of()).setValues(List.of(1f, 0.914f)).build(),
                TaskResult.newBuilder().setTask("text_embedding").setModelName("minilm_text").setModelVersion("1.19.0-beta29").setLabel(null)
                        .setScores(List.of()).setEmbedding(java.util.Collections.nCopies(384, 0.05f)).build(),
                // two standing questions' answers (one head, a result per question) and a caption: text without scores
                TaskResult.newBuilder().setTask("answer").setQuestion("is anyone on the floor?").setModelName("question_answering")
                        .setModelVersion("1.0.0").setLabel("no").setScores(List.of(new LabelScore("yes", 0.03f), new LabelScore("no", 0.97f))).build(),
                TaskResult.newBuilder().setTask("answer").setQuestion("is the light on?").setModelName("question_answering")
                        .setModelVersion("1.0.0").setLabel("yes").setScores(List.of(new LabelScore("yes", 0.88f), new LabelScore("no", 0.12f))).build(),
                TaskResult.newBuilder().setTask("caption").setModelName("caption_decoder").setModelVersion("1.0.0")
                        .setLabel("a person in a <i>red</i> shirt " + label + "s").setScores(List.of()).build());
        List<ModalityCoverage> coverage = new ArrayList<>();
        for (String modality : List.of("video", "audio", "sensor")) {
            coverage.add(ModalityCoverage.newBuilder().setModality(modality).setEvents(30).setPresentSteps(30).setGridSteps(30)
                    .setFirstCapture(Times.ofMicros(start * 1000)).setLastCapture(Times.ofMicros((start + 1990) * 1000))
                    .setLongestGapMicros(66_667L).setJitterMicros(100L).build());
        }
        Prediction prediction = Prediction.newBuilder().setStreamId(stream).setWindowStart(Instant.ofEpochMilli(start))
                .setWindowEnd(Instant.ofEpochMilli(start + 2000)).setGridStepMicros(66_667).setResults(results).setCoverage(coverage)
                .setModalitiesPresent(List.of("video", "audio", "sensor")).setEmitTime(Instant.ofEpochMilli(start + 2600))
                .setCaptureToEmitMillis(610).setWindowCloseToEmitMillis(600L).setAvOffsetMicros(offsetMicros)
                .setInSyncProbability(Math.abs(offsetMicros) > 66_667 ? 0.1f : 0.9f)
                .setStreamAvOffsetMicros(streamOffsetMicros).setStreamSyncAgreement(0.8f).setStreamSyncWindows(10)
                .setTexts(List.of(new io.mmstream.schema.WindowText(Instant.ofEpochMilli(start + 500), "asr", "turn <b>left</b> here", "en"))).build();
        producer.send(new ProducerRecord<>(TOPICS.predictions(), stream.getBytes(StandardCharsets.UTF_8), WireCodec.encode(prediction))).get();
    }

}
