package io.mmstream.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * The card vocabulary of models run from their card alone: the shipped third-party cards parse into what they
 * declare, and each kind of mistake refuses the card with a message naming the file, the field and its value.
 */
class CardVocabularyTest {

    private static final Path VAD = Path.of("onnx-models/silero_vad.json");
    private static final Path FACES = Path.of("onnx-models/blazeface_front.json");

    @Test
    void theShippedCardsDeclareStageBindingsBatchAndResult() {
        ModelCard vad = ModelCard.load(VAD);
        assertThat(vad.stage()).isEqualTo(ModelCard.Stage.AUDIO_STEP);
        assertThat(vad.batch()).isZero();
        assertThat(vad.inputs()).extracting(ModelCard.Tensor::binding).containsExactly(
                new Binding.Waveform(16_000, 576, 512), new Binding.State("stateN", 1), new Binding.Constant(16_000));
        assertThat(vad.result().name()).isEqualTo("speech");
        assertThat(vad.result().decoding()).isEqualTo(new Decoding.Score("output"));
        assertThat(vad.result().aggregation()).isInstanceOf(ModelResult.Aggregation.Mean.class);

        ModelCard faces = ModelCard.load(FACES);
        assertThat(faces.stage()).isEqualTo(ModelCard.Stage.FRAME);
        assertThat(faces.batch()).isEqualTo(1);
        Binding.FramePixels pixels = (Binding.FramePixels) faces.inputs().get(0).binding();
        assertThat(pixels.channelsLast()).isTrue();
        assertThat(pixels.low()).isEqualTo(-1);
        Decoding.Detect detect = (Decoding.Detect) faces.result().decoding();
        assertThat(detect.anchorCentres()).hasSize(2 * 896);
        assertThat(faces.encoder()).isFalse();
        ModelCard audioEncoder = ModelCard.load(Path.of("onnx-models/audio_encoder.json"));
        assertThat(audioEncoder.encoder()).isTrue();
        assertThat(audioEncoder.inputs().get(0).binding())
                .isEqualTo(new Binding.LogMelPatch(new io.mmstream.media.LogMel.Params(16_000, 512, 400, 160, 64, 0, 8000), 8));
    }

    /** Each row: the card, a piece of it, what replaces it, and the refusal after the card's path. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "silero_vad.json | \"stage\": \"audio_step\" | \"stage\": \"per_frame\" "
                + "| stage = \"per_frame\": must be one of [frame, audio_step, sensor_step, text, window]",
        "silero_vad.json | \"stage\": \"audio_step\" | \"stage\": \"window\" "
                + "| result.aggregate = \"mean\": unknown field; known: [decode, from, name, requires]",
        "fusion_early.json | \"any\": [ | \"some\": [ | result.requires = {\"some\":[\"video\",\"audio\",\"sensor\"]}: must be {\"all\": [modalities]} or {\"any\": [modalities]}",
        "action_recognition.json | \"present\": \"video\" | \"present\": \"audio\" "
                + "| result.requires = [video]: the card binds no presence mask of video ({\"present\": \"video\"})",
        "av_sync.json | \"in_sync\": \"in_sync\" | \"in_sync\": \"in_sink\" | result.decode.in_sync = \"in_sink\": not an output of the card [offset_logits, in_sync]",
        "silero_vad.json | {\"audio\": \"waveform\" | {\"video\": \"waveform\" "
                + "| inputs[0].binds = {\"video\":\"waveform\",\"rate\":16000,\"length\":576,\"hop\":512}: must name exactly one of [frame, audio, text, constant, state, model, present, sensor, question, sync]",
        "minilm_text.json | {\"text\": \"mask\"} | {\"text\": \"masks\"} | inputs[1].binds.text = \"masks\": must be one of [ids, mask, type_ids]",
        "question_answering.json | \"sync\": \"stream\" | \"sync\": \"window\" | inputs[8].binds.sync = \"window\": must be one of [stream]",
        "question_answering.json | \"sync\": \"stream\" | \"sync\": \"stream\", \"windows\": 9 | inputs[8].binds.windows = 9: unknown field; known: [sync]",
        "minilm_text.json | \"max_length\": 128 | \"max_length\": 0 | inputs[0].binds.max_length = 0: must be positive",
        "minilm_text.json | {\"text\": \"ids\", | {\"text\": \"id\", | inputs[0].binds.text = \"id\": must be one of [ids, mask, type_ids]",
        "minilm_text.json | \"pooling\": \"mean\" | \"pooling\": \"max\" | result.decode.pooling = \"max\": must be one of [mean]",
        "minilm_text.json | \"int64\", \"shape\": [\"B\", \"T\"], \"binds\": {\"text\": \"mask\"} | \"float32\", \"shape\": [\"B\", \"T\"], \"binds\": {\"text\": \"mask\"} "
                + "| inputs[1] (attention_mask).shape = [B, T] (float32): text tokens need int64 [B,T]",
        "silero_vad.json | \"length\": 576 | \"length\": 512 "
                + "| inputs[0] (input).shape = [B, 576] (float32): a waveform of 512 samples needs float32 [B,512]",
        "silero_vad.json | \"hop\": 512 | \"hop\": 600 | inputs[0].binds.hop = 600: must not exceed length 576",
        "silero_vad.json | \"rate\": 16000, | \"rate\": 16000, \"channels\": 2, "
                + "| inputs[0].binds.channels = 2: unknown field; known: [audio, hop, length, rate]",
        "silero_vad.json | {\"state\": \"stateN\" | {\"state\": \"hidden\" "
                + "| inputs[1] (state).binds.state = 'hidden': not an output of the card [output, stateN]",
        "silero_vad.json | \"batch_axis\": 1 | \"batch_axis\": 2 "
                + "| inputs[1] (state).binds.batch_axis = 2: state [2, B, 128] must be float32, symbolic at its batch axis and shaped as its output stateN [2, B, 128]",
        "silero_vad.json | {\"constant\": 16000} | {\"constant\": \"16k\"} | inputs[2].binds.constant = \"16k\": must be a number",
        "silero_vad.json | \"from\": \"output\" | \"from\": \"probability\" | result.from = \"probability\": not an output of the card [output, stateN]",
        "silero_vad.json | \"aggregate\": \"mean\" | \"aggregate\": \"median\" "
                + "| result.aggregate = \"median\": must be \"mean\", \"max\" or {\"share_above\": threshold}",
        "silero_vad.json | {\"kind\": \"score\"} | {\"kind\": \"softmax\"} | labels = []: a softmax result needs the card's labels",
        "blazeface_front.json | \"layout\": \"NHWC\" | \"layout\": \"NWHC\" | inputs[0].binds.layout = \"NWHC\": must be one of [NCHW, NHWC]",
        "blazeface_front.json | \"layout\": \"NHWC\" | \"layout\": \"NCHW\" "
                + "| inputs[0] (input:0).shape = [1, 128, 128, 3] (float32): frame pixels of 128x128 need float32 [B,3,128,128] (NCHW)",
        "blazeface_front.json | \"size\": [128, 128] | \"size\": [128] | inputs[0].binds.size = [128]: must be a list of 2 numbers",
        "blazeface_front.json | {\"grid\": 8, \"per_cell\": 6} | {\"grid\": 8, \"per_cell\": 8} "
                + "| result.decode.anchors = [{\"grid\":16,\"per_cell\":2},{\"grid\":8,\"per_cell\":8}]: 1024 anchors, but the score outputs [Identity:0, Identity_1:0] hold 896 per item",
        "blazeface_front.json | \"Identity_3:0\"] | \"Identity_4:0\"] "
                + "| result.decode.boxes = [\"Identity_2:0\",\"Identity_4:0\"]: 'Identity_4:0' is not an output of the card [Identity:0, Identity_1:0, Identity_2:0, Identity_3:0]",
        "blazeface_front.json | \"batch\": 1 | \"batch\": 0 | batch = 0: must be positive",
        "fusion_early.json | \"present\": \"video\" | \"present\": \"vidio\" | inputs[1].binds.present = \"vidio\": must be one of [video, audio, sensor]",
        "fusion_early.json | \"sensor\": \"imu6\", | \"sensor\": \"imu6\", \"rate\": 100, | inputs[4].binds.rate = 100: unknown field; known: [mean, sensor, std, step_us]",
        "fusion_early.json | \"step_us\": 66667 | \"step_us\": 0 | inputs[0].binds.step_us = 0: must be positive",
        "frame_encoder.json | \"layout\": \"NCHW\" | \"layout\": \"NHWC\" "
                + "| inputs[0] (frames).shape = [B, 3, 64, 64] (float32): frame pixels of 64x64 need float32 [B,64,64,3] (NHWC)",
        "audio_encoder.json | \"fft\": 512 | \"fft\": 500 | inputs[0].binds.fft = 500: must be a power of two",
        "audio_encoder.json | \"frames\": 8 | \"frames\": 10 "
                + "| inputs[0] (patches).shape = [B, 1, 8, 64] (float32): a log-mel patch of 10 frames of 64 bins needs float32 [B,1,10,64]",
        "audio_encoder.json | \"max_hz\": 8000.0 | \"max_hz\": 9000.0 | inputs[0].binds.max_hz = 9000.0: must lie above min_hz 0.0 and at most half the rate 16000",
    })
    void aMistakeRefusesTheCardNamingFileFieldAndValue(String cardName, String piece, String replacement, String refusal, @org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        String original = Files.readString(Path.of("onnx-models", cardName));
        assertThat(original).contains(piece);
        Path card = dir.resolve(cardName);
        Files.writeString(card, original.replace(piece, replacement), StandardCharsets.UTF_8);
        assertThatThrownBy(() -> ModelCard.load(card)).isInstanceOf(ModelCardException.class).hasMessage(card + ": " + refusal);
    }

    @Test
    void aCardWithoutAResultIsRefused(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        String original = Files.readString(VAD);
        Path card = dir.resolve("silero_vad.json");
        Files.writeString(card, original.replaceAll("\"result\": \\{.*},\n", ""));
        assertThatThrownBy(() -> ModelCard.load(card)).hasMessage(card + ": inputs: stage audio_step needs exactly one audio log-mel binding, "
                + "the card has 1 media bindings (a card without a result is an encoder, whose embedding the windows hold; give it a result "
                + "(name, decode, aggregate) to run it as a model of its own)");
    }

    @Test
    void aWindowHeadBindingAModelTheJobDoesNotRunOrAnOutputOfAnotherWidthIsRefused(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        for (Path file : ModelCard.cardsIn(Path.of("onnx-models"))) {
            ModelCard card = ModelCard.load(file);
            if (card.encoder() || card.stage() == ModelCard.Stage.WINDOW) {
                Files.copy(file, dir.resolve(file.getFileName()));
                Files.copy(card.model(), dir.resolve(card.model().getFileName()));
            }
        }
        Path fusion = dir.resolve("fusion_early.json");
        String original = Files.readString(fusion);
        Files.writeString(fusion, original.replace("\"model\": \"frame_encoder\"", "\"model\": \"face_encoder\""));
        ModelSettings settings = new ModelSettings(dir.toString(), java.util.List.of("frame_encoder", "audio_encoder", "fusion_early"),
                InferenceOptions.cpu(1), 0.5);
        assertThatThrownBy(settings::verify).hasMessage(fusion + ": inputs[0] (video).binds.model = 'face_encoder': not an encoder models.run "
                + "runs before the windows [frame_encoder, audio_encoder] (models.run = [frame_encoder, audio_encoder, fusion_early])");
        Files.writeString(fusion, original.replace("\"output\": \"embedding\"", "\"output\": \"features\""));
        assertThatThrownBy(settings::verify).hasMessageStartingWith(fusion + ": inputs[0] (video).binds.output = 'features': not an output of ");
        Files.writeString(fusion, original.replaceFirst("64\n", "32\n"));
        assertThatThrownBy(settings::verify).hasMessageEndingWith("gives embedding of width 64");
        Files.writeString(fusion, original.replace("\"steps\": 30", "\"steps\": 20"));
        ModelSettings twoGrids = new ModelSettings(dir.toString(), java.util.List.of("frame_encoder", "audio_encoder", "action_recognition", "fusion_early"),
                InferenceOptions.cpu(1), 0.5);
        assertThatThrownBy(twoGrids::verify).hasMessage(fusion + ": inputs[0] (video).binds: a grid of 20 steps; "
                + dir.resolve("action_recognition.json") + ": inputs[0] (video).binds binds 30; one window has one grid");
    }

    @Test
    void aSeparationModelBindsOneSpectrogramOfItsOwnShapeAndTheJobRunsOne(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path file = Path.of("onnx-models/audio_separation.json");
        String card = Files.readString(file);
        assertThat(ModelCard.load(file).separates()).isTrue();
        Path changed = dir.resolve("audio_separation.json");
        Files.writeString(changed, card.replace("\"hop\": 128", "\"hop\": 256"));
        assertThatThrownBy(() -> ModelCard.load(changed)).hasMessage(changed + ": inputs[0] (spectrogram).shape = [B, 251, 257]: the spectrogram "
                + "of 32000 samples has 126 frames (1 + samples / hop) of 257 bins (fft / 2 + 1)");
        Files.writeString(changed, card.replace("\"kind\": \"spectrogram_mask\"", "\"kind\": \"score\""));
        assertThatThrownBy(() -> ModelCard.load(changed)).hasMessageStartingWith(changed + ": inputs[0] (spectrogram).binds = a Spectrogram binding: ")
                .hasMessageEndingWith("; the window's spectrogram only with a spectrogram_mask result");

        for (String name : java.util.List.of("frame_encoder", "audio_encoder", "audio_separation")) {
            ModelCard model = ModelCard.load(Path.of("onnx-models", name + ".json"));
            Files.copy(model.file(), dir.resolve(name + ".json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.copy(model.model(), dir.resolve(model.model().getFileName()));
        }
        Files.writeString(dir.resolve("second_separation.json"), card.replace("\"name\": \"audio_separation\"", "\"name\": \"second_separation\""));
        java.util.List<String> run = java.util.List.of("frame_encoder", "audio_encoder", "audio_separation", "second_separation");
        ModelSettings two = new ModelSettings(dir.toString(), run, InferenceOptions.cpu(1), 0.5);
        assertThatThrownBy(two::verify).hasMessage("models.run = " + run + " (models.dir = '" + dir + "'): names 2 separation models "
                + "[audio_separation, second_separation]; the job publishes one separated stream per input stream, so name one");
        ModelSettings one = new ModelSettings(dir.toString(), run.subList(0, 3), InferenceOptions.cpu(1), 0.5);
        one.verify();
        assertThat(one.headNames()).as("separation is no head").isEmpty();
        assertThat(one.separationName()).isEqualTo("audio_separation");
    }

    @Test
    void aWordsResultIsTheTextOfItsIdsUpToTheEndWordAndItsVocabularyHoldsThatWord(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path file = Path.of("onnx-models/caption_decoder.json");
        ModelCard card = ModelCard.load(file);
        java.util.List<String> vocabulary = card.labels();
        float[] ids = {vocabulary.indexOf("a"), vocabulary.indexOf("person"), vocabulary.indexOf("waves"), vocabulary.indexOf("<end>"),
                vocabulary.indexOf("a")};
        assertThat(card.result().label(ids)).isEqualTo("a person waves");
        Path changed = dir.resolve("caption_decoder.json");
        Files.writeString(changed, Files.readString(file).replace("\"end\": \"<end>\"", "\"end\": \"<stop>\""));
        assertThatThrownBy(() -> ModelCard.load(changed)).isInstanceOf(ModelCardException.class).hasMessageStartingWith(changed + ": labels = [<end>, ")
                .hasMessageEndingWith(": a words result runs per window and reads its ids as indices into the card's labels, its vocabulary, "
                        + "which holds the end word '<stop>'");
    }

    @Test
    void aQuestionBindingNamesATextModelOfItsWidth(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        for (String name : java.util.List.of("frame_encoder", "appearance_encoder", "audio_encoder", "question_answering", "av_sync", "minilm_text")) {
            ModelCard card = ModelCard.load(Path.of("onnx-models", name + ".json"));
            Files.copy(card.file(), dir.resolve(name + ".json"));
            for (Path named : card.files()) {
                Files.copy(named, dir.resolve(named.getFileName()));
            }
        }
        Path qa = dir.resolve("question_answering.json");
        ModelSettings graph = new ModelSettings(dir.toString(), java.util.List.of("frame_encoder", "appearance_encoder", "audio_encoder",
                "question_answering", "av_sync"), InferenceOptions.cpu(1), 0.5, java.util.List.of("is anyone on the floor?"));
        graph.verify();
        Files.writeString(qa, Files.readString(qa).replace("\"question\": \"minilm_text\"", "\"question\": \"frame_encoder\""));
        assertThatThrownBy(graph::verify).hasMessage(qa + ": inputs[0] (question).binds.question = 'frame_encoder': " + dir.resolve("frame_encoder.json")
                + " is a frame model giving width 64; the input [B, 384] takes a text model's embedding of width 384");
    }

    @Test
    void modelsRunTellsEncodersFromModelsWithAResultByTheirCards() {
        ModelSettings graph = new ModelSettings("onnx-models",
                java.util.List.of("frame_encoder", "audio_encoder", "blazeface_front", "silero_vad", "fusion_early"), InferenceOptions.cpu(1), 0.5);
        graph.verify();
        assertThat(graph.encoders(ModelCard.Stage.FRAME)).extracting(ModelCard::name).containsExactly("frame_encoder");
        assertThat(graph.encoders(ModelCard.Stage.AUDIO_STEP)).extracting(ModelCard::name).containsExactly("audio_encoder");
        assertThat(graph.stepModelCards(ModelCard.Stage.FRAME)).extracting(ModelCard::name).containsExactly("blazeface_front");
        assertThat(graph.stepModelCards(ModelCard.Stage.AUDIO_STEP)).extracting(ModelCard::name).containsExactly("silero_vad");
        assertThat(graph.headNames()).containsExactly("fusion_early");
    }
}
