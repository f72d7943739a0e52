package io.mmstream.config;

/** A configuration that cannot run; the message names the file, the key and the bad value. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
