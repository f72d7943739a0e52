package io.mmstream.inference;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Where the job finds its models: a directory path, or {@code classpath:DIR} for the models packed into the jar,
 * which are copied into a temporary directory named by the card's content, once per machine and model version
 * (ONNX Runtime and the sha256 check read files).
 */
public final class ModelStore {

    public static final String CLASSPATH = "classpath:";

    /** The file of a models directory listing the models the job runs when the pipeline file lists none. */
    public static final String DEFAULT_GRAPH = "models.yaml";

    private ModelStore() {}

    /** The card file of the named model under the location; a classpath model is extracted with the files it names. */
    public static Path card(String location, String name) {
        if (!location.startsWith(CLASSPATH)) {
            Path card = Path.of(location).resolve(name + ".json");
            if (!Files.isRegularFile(card)) {
                throw new ModelCardException(card.toAbsolutePath() + ": no such model card (models.dir = '" + location + "')");
            }
            return card;
        }
        String resourceDir = location.substring(CLASSPATH.length()).replaceAll("^/+|/+$", "");
        try {
            byte[] cardBytes = resource(resourceDir + "/" + name + ".json", location);
            // one folder per user and card content: a job restarted in the same TaskManager (a new classloader, so a new
            // ModelStore) finds its models already there instead of extracting another copy at every restart. What is
            // found is trusted only as far as it is checked: the card must be the jar's, and the model must match its
            // sha256 when a session opens it
            Path dir = Path.of(System.getProperty("java.io.tmpdir"), "mmstream-models-" + System.getProperty("user.name"),
                    HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cardBytes)).substring(0, 16));
            Path card = dir.resolve(name + ".json");
            if (!Files.exists(card) || !Arrays.equals(Files.readAllBytes(card), cardBytes)) {
                Files.createDirectories(dir);
                for (Path file : ModelCard.parse(card, cardBytes).files()) {
                    write(dir.resolve(file.getFileName()), resource(resourceDir + "/" + file.getFileName(), location));
                }
                write(card, cardBytes); // last: a card present means its model is complete
            }
            return card;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract model " + name + " from " + location, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }

    /**
     * The models the directory's {@link #DEFAULT_GRAPH} lists under {@code run}, in order; refuses, naming the file
     * and the key, a directory without one or a file that lists no names.
     */
    public static List<String> defaultRun(String location) {
        String file = location + "/" + DEFAULT_GRAPH;
        Object document;
        try {
            byte[] bytes = location.startsWith(CLASSPATH)
                    ? resource(location.substring(CLASSPATH.length()).replaceAll("^/+|/+$", "") + "/" + DEFAULT_GRAPH, location)
                    : Files.readAllBytes(Path.of(location).resolve(DEFAULT_GRAPH));
            document = new org.yaml.snakeyaml.Yaml(new org.yaml.snakeyaml.constructor.SafeConstructor(new org.yaml.snakeyaml.LoaderOptions()))
                    .load(new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            throw new ModelCardException(file + ": cannot be read (" + e.getMessage() + "): the pipeline file lists no models (models.run), "
                    + "so the models directory must say which to run", e);
        }
        Object run = document instanceof Map<?, ?> map ? map.get("run") : null;
        if (!(run instanceof List<?> names) || names.isEmpty() || !names.stream().allMatch(n -> n instanceof String s && !s.isBlank())) {
            throw new ModelCardException(file + ": run = " + run + ": must be a list of model names (cards in the directory)");
        }
        return names.stream().map(String.class::cast).toList();
    }

    /** Written beside and moved into place, so that concurrent extractions never see half a file. */
    private static void write(Path target, byte[] bytes) throws IOException {
        Path partial = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".part");
        Files.write(partial, bytes);
        Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static byte[] resource(String resource, String location) throws IOException {
        try (InputStream in = ModelStore.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new ModelCardException(location + "/" + resource.substring(resource.lastIndexOf('/') + 1)
                        + ": not in the jar (models.dir = '" + location + "')");
            }
            return in.readAllBytes();
        }
    }
}
