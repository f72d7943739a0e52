package io.mmstream.inference;

/** A run that failed: bad inputs for the card, or an error inside ONNX Runtime. Never a silent NaN. */
public final class InferenceException extends Exception {
    public InferenceException(String message) {
        super(message);
    }

    public InferenceException(String message, Throwable cause) {
        super(message, cause);
    }
}
