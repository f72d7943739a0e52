package io.mmstream.inference;

import java.io.Serializable;

/**
 * @param intraOpThreads threads ONNX Runtime uses inside one run; 0 lets it choose
 * @param cpuFallback with CUDA requested but unavailable, run on the CPU (with a warning) instead of failing
 */
public record InferenceOptions(ExecutionProvider provider, int intraOpThreads, boolean cpuFallback) implements Serializable {

    public static InferenceOptions cpu(int intraOpThreads) {
        return new InferenceOptions(ExecutionProvider.CPU, intraOpThreads, false);
    }
}
