package io.mmstream.inference;

import java.io.Serializable;

/**
 * Where one encoder's embedding lies in what the windows hold at each step of its stage: a stage's encoders write
 * their embeddings side by side, in models.run order, so a head binds any of them by name.
 *
 * @param offset the first value of this encoder's embedding in a step
 * @param width the embedding's width
 */
public record EncoderSlice(ModelCard.Stage stage, int offset, int width) implements Serializable {}
