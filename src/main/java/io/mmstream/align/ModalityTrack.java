package io.mmstream.align;

/**
 * One modality of a window: its events in capture order, and their place on the window's time grid.
 *
 * @param present per step: an event lies within half a step of the step's instant
 * @param counts per step: how many events lie there
 * @param values per step: the features of the event nearest the step's instant (zeros where absent)
 * @param captures every event's capture time, ascending
 * @param samples every event's features, in the order of captures
 */
public record ModalityTrack(Modality modality, boolean[] present, int[] counts, float[][] values, long[] captures, float[][] samples,
                            ModalityCoverage coverage) {}
