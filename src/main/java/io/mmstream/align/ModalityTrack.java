package io.mmstream.align;

/**
 * One modality on the window's time grid.
 *
 * @param present per step: at least one event fell into it
 * @param counts per step: how many events fell into it
 * @param values per step: the mean of the events' features in that step (zeros where absent); width 0 when
 *     the modality carries no features yet
 */
public record ModalityTrack(Modality modality, boolean[] present, int[] counts, float[][] values, ModalityCoverage coverage) {}
