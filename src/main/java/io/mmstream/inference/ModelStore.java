package io.mmstream.inference;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;

/**
 * Where the job finds its models: a directory path, or {@code classpath:DIR} for the models packed into the jar,
 * which are copied once per JVM into a temporary directory (ONNX Runtime and the sha256 check read files).
 */
public final class ModelStore {

    public static final String CLASSPATH = "classpath:";
    private static final Map<String, Path> EXTRACTED = new HashMap<>();

    private ModelStore() {}

    /** The card file of the named model under the location; a classpath model is extracted with its .onnx. */
    public static Path card(String location, String name) {
        if (!location.startsWith(CLASSPATH)) {
            Path card = Path.of(location).resolve(name + ".json");
            if (!Files.isRegularFile(card)) {
                throw new ModelCardException(card.toAbsolutePath() + ": no such model card (models.dir = '" + location + "')");
            }
            return card;
        }
        String resourceDir = location.substring(CLASSPATH.length()).replaceAll("^/+|/+$", "");
        synchronized (EXTRACTED) {
            try {
                Path dir = EXTRACTED.get(resourceDir);
                if (dir == null) {
                    dir = Files.createTempDirectory("mmstream-models-");
                    dir.toFile().deleteOnExit();
                    EXTRACTED.put(resourceDir, dir);
                }
                Path card = dir.resolve(name + ".json");
                if (!Files.exists(card)) {
                    copy(resourceDir + "/" + name + ".json", card, location);
                    Path model = ModelCard.load(card).model().getFileName();
                    copy(resourceDir + "/" + model, dir.resolve(model), location);
                }
                return card;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot extract model " + name + " from " + location, e);
            }
        }
    }

    private static void copy(String resource, Path target, String location) throws IOException {
        try (InputStream in = ModelStore.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new ModelCardException(location + "/" + resource.substring(resource.lastIndexOf('/') + 1)
                        + ": not in the jar (models.dir = '" + location + "')");
            }
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
            target.toFile().deleteOnExit();
        }
    }
}
