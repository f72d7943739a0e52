package io.mmstream.inference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON contract beside each .onnx file: what the model is, what its inputs bind to (and so the preprocessing
 * it expects), its outputs, labels and result, the sha256 of the model file, and what it was measured on.
 *
 * @param file the card's own path, for error messages
 * @param model the .onnx file, resolved next to the card (or in {@link #PRETRAINED})
 */
public record ModelCard(Path file, String name, String version, String task, Stage stage, int batch, Path model, String sha256,
                        List<Tensor> inputs, List<Tensor> outputs, List<String> labels, ModelResult result, JsonNode metrics) {

    /** When the model runs: once per element of a modality, or once per window. */
    public enum Stage {
        FRAME("frame"), AUDIO_STEP("audio_step"), SENSOR_STEP("sensor_step"), TEXT("text"), WINDOW("window");

        public final String wire;

        Stage(String wire) {
            this.wire = wire;
        }
    }

    /**
     * @param shape each dimension a number or a symbol (B for batch, T for time, ...); empty for a scalar
     * @param binding what the job feeds it; null for outputs
     */
    public record Tensor(String name, String dtype, List<String> shape, Binding binding) {

        /** True where the dimension is symbolic (any size). */
        public boolean isSymbolic(int dimension) {
            return !shape.get(dimension).chars().allMatch(Character::isDigit);
        }
    }

    /** The model cards of a folder: its *.json files but those a card names beside its model (a tokenizer.json), sorted. */
    public static List<Path> cardsIn(Path dir) throws java.io.IOException {
        List<Path> json;
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(dir)) {
            json = files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        java.util.Set<Path> named = new java.util.HashSet<>();
        for (Path file : json) {
            try {
                load(file).files().forEach(f -> named.add(f.toAbsolutePath().normalize()));
            } catch (ModelCardException notACard) {
                // the caller reports it when it loads the card
            }
        }
        return json.stream().filter(p -> !named.contains(p.toAbsolutePath().normalize())).toList();
    }

    /** The files the card names: the model, and any tokenizer its bindings read. */
    public List<Path> files() {
        List<Path> files = new java.util.ArrayList<>(List.of(model));
        inputs.stream().map(Tensor::binding).filter(b -> b instanceof Binding.Tokens t && t.tokenizer() != null)
                .forEach(ids -> files.add(((Binding.Tokens) ids).tokenizer()));
        return files;
    }

    /**
     * True for an encoder: a per-element model without a result of its own, whose output the window holds on its
     * grid for the window heads to bind.
     */
    public boolean encoder() {
        return stage != Stage.WINDOW && result == null;
    }

    /**
     * Where the build puts the third-party pretrained models that committed cards name (onnx-models/ holds only what
     * is trained here, so that the folder stays small); a file a card names is looked up beside the card first.
     */
    public static final Path PRETRAINED = Path.of(System.getProperty("mmstream.pretrained.dir", "target/pretrained-models"));

    /** The file a card names: beside the card, or else, when it is there, in {@link #PRETRAINED}. */
    static Path named(Path card, String name) {
        Path beside = card.resolveSibling(name);
        Path fetched = PRETRAINED.resolve(name);
        return !Files.exists(beside) && Files.exists(fetched) ? fetched : beside;
    }

    /** True for a separation model: a window model whose result is a mask over the window's spectrogram. */
    public boolean separates() {
        return result != null && result.decoding() instanceof Decoding.SpectrogramMask;
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    public static ModelCard load(Path file) {
        try {
            return parse(file, Files.readAllBytes(file));
        } catch (IOException e) {
            throw new ModelCardException(file + ": cannot be read: " + e.getMessage(), e);
        }
    }

    /** @param file where the card is (or will be): the model file is resolved beside it */
    public static ModelCard parse(Path file, byte[] json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new ModelCardException(file + ": cannot be read as JSON: " + e.getMessage(), e);
        }
        String modelFile = text(file, root, "file");
        List<Tensor> inputs = tensors(file, root, "inputs", true);
        List<Tensor> outputs = tensors(file, root, "outputs", false);
        List<String> labels = labels(file, root);
        CardFields fields = new CardFields(file, "", root);
        String stageName = fields.oneOf("stage", java.util.Arrays.stream(Stage.values()).map(s -> s.wire).toArray(String[]::new));
        Stage stage = java.util.Arrays.stream(Stage.values()).filter(s -> s.wire.equals(stageName)).findFirst().orElseThrow();
        int batch = root.has("batch") ? fields.positiveInt("batch") : 0;
        Map<String, List<String>> outputShapes = new LinkedHashMap<>();
        outputs.forEach(t -> outputShapes.put(t.name(), t.shape()));
        ModelCard card = new ModelCard(file, text(file, root, "name"), text(file, root, "version"), text(file, root, "task"), stage, batch,
                named(file, modelFile), text(file, root, "sha256"), inputs, outputs, labels,
                root.has("result") ? ModelResult.parse(file, root.get("result"), outputShapes, labels, stage == Stage.WINDOW) : null,
                root.path("metrics"));
        if (stage == Stage.WINDOW) {
            WindowInputs.check(card);
        } else {
            ElementModel.check(card);
        }
        return card;
    }

    private static String text(Path file, JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual() || value.asText().isBlank()) {
            throw new ModelCardException(file + ": " + field + " = " + value + ": must be a non-empty string");
        }
        return value.asText();
    }

    private static List<Tensor> tensors(Path file, JsonNode root, String field, boolean withBinding) {
        JsonNode list = root.get(field);
        if (list == null || !list.isArray() || list.isEmpty()) {
            throw new ModelCardException(file + ": " + field + " = " + list + ": must be a non-empty list");
        }
        List<Tensor> tensors = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode tensor = list.get(i);
            String where = field + "[" + i + "]";
            JsonNode shape = tensor.get("shape");
            if (shape == null || !shape.isArray()) {
                throw new ModelCardException(file + ": " + where + ".shape = " + shape + ": must be a list of sizes or symbols ([] for a scalar)");
            }
            List<String> dims = new ArrayList<>();
            shape.forEach(dim -> dims.add(dim.asText()));
            tensors.add(new Tensor(text(file, tensor, "name"), text(file, tensor, "dtype"), dims,
                    withBinding ? Binding.parse(file, where + ".binds", tensor.get("binds")) : null));
        }
        return tensors;
    }

    private static List<String> labels(Path file, JsonNode root) {
        List<String> labels = new ArrayList<>();
        JsonNode list = root.get("labels");
        if (list != null && !list.isArray()) {
            throw new ModelCardException(file + ": labels = " + list + ": must be a list");
        }
        if (list != null) {
            list.forEach(label -> labels.add(label.asText()));
        }
        return labels;
    }
}
