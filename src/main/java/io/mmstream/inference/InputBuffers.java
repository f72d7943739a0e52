package io.mmstream.inference;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * Reusable native-order direct float buffers, one per input name and thread. ONNX Runtime reads a direct buffer in
 * place, where it copies a heap array into a new direct buffer on every call; a batch assembled straight into one of
 * these is written once. A buffer is reused by the next call on the same thread, after the tensor over it is closed.
 */
final class InputBuffers {

    private final ThreadLocal<Map<String, FloatBuffer>> buffers = ThreadLocal.withInitial(HashMap::new);

    /** This thread's buffer for the input, position 0 and limit {@code length}; its values are whatever the last call left. */
    FloatBuffer floats(String input, int length) {
        Map<String, FloatBuffer> mine = buffers.get();
        FloatBuffer buffer = mine.get(input);
        if (buffer == null || buffer.capacity() < length) {
            buffer = ByteBuffer.allocateDirect(length * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
            mine.put(input, buffer);
        }
        buffer.clear().limit(length);
        return buffer;
    }
}
