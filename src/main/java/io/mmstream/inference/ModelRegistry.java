package io.mmstream.inference;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * One session per model per JVM, shared by every operator instance (Flink slot) that uses it, closed when the last
 * user lets go. Keyed by the card's absolute path and the options.
 */
public final class ModelRegistry {

    private record Key(Path card, InferenceOptions options) {}

    private static final class Entry {
        final OnnxModel model;
        int users;

        Entry(OnnxModel model) {
            this.model = model;
        }
    }

    private static final Map<Key, Entry> SHARED = new HashMap<>();

    private ModelRegistry() {}

    /** A handle on the shared model; close it when done. */
    public static final class Lease implements AutoCloseable {
        private final Key key;
        private final OnnxModel model;
        private boolean closed;

        private Lease(Key key, OnnxModel model) {
            this.key = key;
            this.model = model;
        }

        public OnnxModel model() {
            return model;
        }

        @Override
        public void close() {
            synchronized (SHARED) {
                if (closed) {
                    return;
                }
                closed = true;
                Entry entry = SHARED.get(key);
                if (--entry.users == 0) {
                    SHARED.remove(key);
                    entry.model.close();
                }
            }
        }
    }

    public static Lease acquire(Path cardFile, InferenceOptions options) {
        Key key = new Key(cardFile.toAbsolutePath().normalize(), options);
        synchronized (SHARED) {
            Entry entry = SHARED.get(key);
            if (entry == null) {
                entry = new Entry(OnnxModel.open(ModelCard.load(cardFile), options));
                SHARED.put(key, entry);
            }
            entry.users++;
            return new Lease(key, entry.model);
        }
    }

    static int openSessions() {
        synchronized (SHARED) {
            return SHARED.size();
        }
    }
}
