package io.mmstream.inference;

/** Where ONNX Runtime runs a model. */
public enum ExecutionProvider {
    CPU,
    /** NVIDIA GPUs through CUDA: needs the onnxruntime_gpu build (Maven profile cuda), a GPU and CUDA libraries. */
    CUDA
}
