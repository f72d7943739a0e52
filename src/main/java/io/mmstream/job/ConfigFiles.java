package io.mmstream.job;

import io.mmstream.config.ConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Finds a pipeline file on disk, or else among the ones bundled in the jar under flink-jobs/. */
public final class ConfigFiles {

    private ConfigFiles() {}

    public static Path resolve(String path) {
        Path onDisk = Path.of(path);
        if (Files.isRegularFile(onDisk)) {
            return onDisk;
        }
        String resource = "/flink-jobs/" + onDisk.getFileName();
        try (InputStream bundled = ConfigFiles.class.getResourceAsStream(resource)) {
            if (bundled == null) {
                throw new ConfigException(path + ": no such file, and none of that name bundled from flink-jobs/");
            }
            Path copy = Files.createTempFile("mmstream-", "-" + onDisk.getFileName());
            copy.toFile().deleteOnExit();
            Files.copy(bundled, copy, StandardCopyOption.REPLACE_EXISTING);
            return copy;
        } catch (IOException e) {
            throw new ConfigException(path + ": cannot be read: " + e.getMessage());
        }
    }
}
