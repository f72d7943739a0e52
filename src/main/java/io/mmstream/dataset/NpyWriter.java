package io.mmstream.dataset;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

/** Writes one array in NumPy's .npy format (version 1.0, little-endian, C order), streamed row by row. */
final class NpyWriter implements AutoCloseable {

    enum Type {
        UINT8("|u1", 1), INT32("<i4", 4), INT64("<i8", 8), FLOAT32("<f4", 4);

        final String descr;
        final int bytes;

        Type(String descr, int bytes) {
            this.descr = descr;
            this.bytes = bytes;
        }
    }

    private final OutputStream out;
    private final Type type;
    private final long expectedElements;
    private long written;
    private final Path path;

    NpyWriter(Path path, Type type, long... shape) throws IOException {
        this.path = path;
        this.type = type;
        this.expectedElements = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        this.out = new BufferedOutputStream(Files.newOutputStream(path), 1 << 20);
        String dims = Arrays.stream(shape).mapToObj(Long::toString).collect(Collectors.joining(", ")) + (shape.length == 1 ? "," : "");
        String header = "{'descr': '" + type.descr + "', 'fortran_order': False, 'shape': (" + dims + "), }";
        int unpadded = 10 + header.length() + 1;
        String padded = header + " ".repeat((64 - unpadded % 64) % 64) + "\n";
        ByteBuffer preamble = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN);
        preamble.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0).putShort((short) padded.length());
        out.write(preamble.array());
        out.write(padded.getBytes(StandardCharsets.US_ASCII));
    }

    void write(byte[] values) throws IOException {
        check(Type.UINT8, values.length);
        out.write(values);
    }

    void write(float[] values) throws IOException {
        check(Type.FLOAT32, values.length);
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(values);
        out.write(buffer.array());
    }

    void write(long value) throws IOException {
        if (type == Type.INT32) {
            check(Type.INT32, 1);
            out.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) value).array());
        } else {
            check(Type.INT64, 1);
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array());
        }
    }

    private void check(Type given, long elements) {
        if (given != type) {
            throw new IllegalArgumentException(path + " holds " + type + ", not " + given);
        }
        written += elements;
        if (written > expectedElements) {
            throw new IllegalStateException(path + ": more data than its shape holds");
        }
    }

    @Override
    public void close() throws IOException {
        out.close();
        if (written != expectedElements) {
            throw new IllegalStateException(path + ": wrote " + written + " of " + expectedElements + " elements");
        }
    }
}
