package io.mmstream.inference;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An ONNX Runtime session checked against its model card: opened only when the file's sha256, the input and
 * output names, dtypes and shapes all agree with the card. Runs are thread-safe; every tensor and result is closed.
 */
public final class OnnxModel implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OnnxModel.class);

    private final ModelCard card;
    private final OrtSession session;
    private final ExecutionProvider provider;
    private final java.util.Set<String> inputNames;

    private OnnxModel(ModelCard card, OrtSession session, ExecutionProvider provider) {
        this.card = card;
        this.session = session;
        this.provider = provider;
        this.inputNames = java.util.Set.copyOf(card.inputs().stream().map(ModelCard.Tensor::name).toList());
    }

    /** Verifies the card against the model file and opens a session with the requested provider. */
    public static OnnxModel open(ModelCard card, InferenceOptions options) {
        verifyFile(card);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        ExecutionProvider provider = options.provider();
        OrtSession session;
        try (OrtSession.SessionOptions sessionOptions = new OrtSession.SessionOptions()) {
            sessionOptions.setIntraOpNumThreads(options.intraOpThreads());
            // warnings about a third-party model's unused initializers are not the user's to act on
            sessionOptions.setSessionLogLevel(ai.onnxruntime.OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
            sessionOptions.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            if (provider == ExecutionProvider.CUDA) {
                try {
                    sessionOptions.addCUDA();
                } catch (OrtException | UnsatisfiedLinkError e) {
                    if (!options.cpuFallback()) {
                        throw new ModelCardException(card.model() + ": inference provider cuda is not available (" + e.getMessage()
                                + "); it needs the onnxruntime_gpu build (mvn -Pcuda), an NVIDIA GPU and CUDA, or allow the CPU fallback", e);
                    }
                    LOG.warn("{}: CUDA unavailable ({}), running on the CPU as configured", card.model(), e.getMessage());
                    provider = ExecutionProvider.CPU;
                }
            }
            session = env.createSession(card.model().toString(), sessionOptions);
        } catch (OrtException e) {
            throw new ModelCardException(card.model() + ": ONNX Runtime cannot load it: " + e.getMessage(), e);
        }
        try {
            check(card, "inputs", card.inputs(), session.getInputInfo());
            check(card, "outputs", card.outputs(), session.getOutputInfo());
        } catch (OrtException | RuntimeException e) {
            try {
                session.close();
            } catch (OrtException closing) {
                e.addSuppressed(closing);
            }
            if (e instanceof ModelCardException cardError) {
                throw cardError;
            }
            throw new ModelCardException(card.model() + ": cannot read its inputs and outputs: " + e.getMessage(), e);
        }
        return new OnnxModel(card, session, provider);
    }

    private static void check(ModelCard card, String field, List<ModelCard.Tensor> declared, Map<String, NodeInfo> actual) {
        if (declared.size() != actual.size() || !declared.stream().allMatch(t -> actual.containsKey(t.name()))) {
            throw new ModelCardException(card.file() + ": " + field + " = " + declared.stream().map(ModelCard.Tensor::name).toList()
                    + ": the model has " + new ArrayList<>(actual.keySet()));
        }
        for (int i = 0; i < declared.size(); i++) {
            ModelCard.Tensor tensor = declared.get(i);
            TensorInfo info = (TensorInfo) actual.get(tensor.name()).getInfo();
            String dtype = dtype(info.type);
            String where = card.file() + ": " + field + "[" + i + "] (" + tensor.name() + ")";
            if (!dtype.equals(tensor.dtype())) {
                throw new ModelCardException(where + ".dtype = '" + tensor.dtype() + "': the model has '" + dtype + "'");
            }
            long[] shape = info.getShape();
            boolean matches = shape.length == tensor.shape().size();
            for (int d = 0; matches && d < shape.length; d++) {
                // a card may fix a size the model leaves dynamic (a model exported for any length, run at one)
                matches = tensor.isSymbolic(d) ? shape[d] < 0 : shape[d] < 0 || shape[d] == Long.parseLong(tensor.shape().get(d));
            }
            if (!matches) {
                throw new ModelCardException(where + ".shape = " + tensor.shape() + ": the model has " + java.util.Arrays.toString(shape)
                        + " (-1 is a dynamic dimension)");
            }
        }
    }

    private static String dtype(OnnxJavaType type) {
        return switch (type) {
            case FLOAT -> "float32";
            case INT64 -> "int64";
            case BOOL -> "bool";
            case DOUBLE -> "float64";
            case INT32 -> "int32";
            default -> type.name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    /** Refuses, naming the card and the field, a model file that is missing or whose sha256 is not the card's. */
    public static void verifyFile(ModelCard card) {
        String actual = sha256(card);
        if (!actual.equalsIgnoreCase(card.sha256())) {
            throw new ModelCardException(card.file() + ": sha256 = '" + card.sha256() + "': the model file " + card.model() + " has '" + actual + "'");
        }
    }

    static String sha256(ModelCard card) {
        try {
            return sha256(card.model());
        } catch (IOException e) {
            throw new ModelCardException(card.file() + ": file = '" + card.model().getFileName() + "': cannot be read: " + e.getMessage()
                    + " (looked for beside the card and in " + ModelCard.PRETRAINED.toAbsolutePath() + ", where the build fetches third-party models)", e);
        }
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public ModelCard card() {
        return card;
    }

    /** The provider the session really runs on (CPU after a permitted fallback). */
    public ExecutionProvider provider() {
        return provider;
    }

    /**
     * Runs one batch after checking the inputs against the card: the same names, dtypes and ranks, fixed sizes
     * as declared, each symbolic size the same across inputs, data as long as the shape says.
     *
     * @return every output as a float array with its shape
     */
    public Map<String, Output> run(Map<String, Input> inputs) throws InferenceException {
        checkInputs(inputs);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        Map<String, OnnxTensor> tensors = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, Input> entry : inputs.entrySet()) {
                tensors.put(entry.getKey(), tensor(env, entry.getValue()));
            }
            try (OrtSession.Result result = session.run(tensors)) {
                Map<String, Output> outputs = new LinkedHashMap<>();
                for (Map.Entry<String, OnnxValue> entry : result) {
                    OnnxTensor tensor = (OnnxTensor) entry.getValue();
                    float[] data = floats(tensor);
                    for (float value : data) {
                        if (!Float.isFinite(value)) {
                            throw new InferenceException(card.name() + ": output " + entry.getKey() + " holds " + value);
                        }
                    }
                    outputs.put(entry.getKey(), new Output(data, tensor.getInfo().getShape()));
                }
                return outputs;
            }
        } catch (OrtException e) {
            throw new InferenceException(card.name() + ": ONNX Runtime failed: " + e.getMessage(), e);
        } finally {
            tensors.values().forEach(OnnxTensor::close);
        }
    }

    private void checkInputs(Map<String, Input> inputs) throws InferenceException {
        if (!inputs.keySet().equals(inputNames)) {
            throw new InferenceException(card.name() + ": inputs " + inputs.keySet() + " are not the card's " + card.inputs().stream().map(ModelCard.Tensor::name).toList());
        }
        Map<String, Long> symbols = new HashMap<>();
        for (ModelCard.Tensor declared : card.inputs()) {
            Input input = inputs.get(declared.name());
            if (!input.dtype().equals(declared.dtype()) || input.shape().length != declared.shape().size()) {
                throw new InferenceException(card.name() + ": input " + declared.name() + " is " + input + ", the card says " + declared.dtype() + declared.shape());
            }
            long elements = 1;
            for (int d = 0; d < input.shape().length; d++) {
                long size = input.shape()[d];
                elements *= size;
                String dim = declared.shape().get(d);
                Long bound = declared.isSymbolic(d) ? symbols.putIfAbsent(dim, size) : Long.valueOf(dim);
                if (bound != null && bound != size) {
                    throw new InferenceException(card.name() + ": input " + declared.name() + " dimension " + dim + " is " + size + ", expected " + bound);
                }
            }
            if (elements != input.length()) {
                throw new InferenceException(card.name() + ": input " + declared.name() + " holds " + input.length() + " values for shape " + input);
            }
        }
    }

    private static OnnxTensor tensor(OrtEnvironment env, Input input) throws OrtException {
        if (input.floats() != null) {
            return OnnxTensor.createTensor(env, FloatBuffer.wrap(input.floats()), input.shape());
        }
        if (input.direct() != null) {
            return OnnxTensor.createTensor(env, input.direct(), input.shape());
        }
        if (input.longs() != null) {
            return OnnxTensor.createTensor(env, LongBuffer.wrap(input.longs()), input.shape());
        }
        ByteBuffer bytes = ByteBuffer.allocateDirect(input.booleans().length).order(ByteOrder.nativeOrder());
        for (boolean b : input.booleans()) {
            bytes.put((byte) (b ? 1 : 0));
        }
        bytes.flip();
        return OnnxTensor.createTensor(env, bytes, input.shape(), OnnxJavaType.BOOL);
    }

    /** Any numeric output as floats: models may answer in int64 (class ids, counts), bool or double. */
    private float[] floats(OnnxTensor tensor) throws InferenceException {
        OnnxJavaType type = tensor.getInfo().type;
        int count = (int) tensor.getInfo().getNumElements();
        float[] data = new float[count];
        switch (type) {
            case FLOAT -> tensor.getFloatBuffer().get(data);
            case DOUBLE -> {
                var buffer = tensor.getDoubleBuffer();
                for (int i = 0; i < count; i++) {
                    data[i] = (float) buffer.get(i);
                }
            }
            case INT64 -> {
                LongBuffer buffer = tensor.getLongBuffer();
                for (int i = 0; i < count; i++) {
                    data[i] = buffer.get(i);
                }
            }
            case INT32 -> {
                var buffer = tensor.getIntBuffer();
                for (int i = 0; i < count; i++) {
                    data[i] = buffer.get(i);
                }
            }
            case BOOL, INT8, UINT8 -> {
                ByteBuffer buffer = tensor.getByteBuffer();
                for (int i = 0; i < count; i++) {
                    data[i] = type == OnnxJavaType.UINT8 ? buffer.get(i) & 0xFF : buffer.get(i);
                }
            }
            default -> throw new InferenceException(card.name() + ": an output of type " + type + " cannot be read as numbers");
        }
        return data;
    }

    /** An output tensor as floats, row-major, with its shape. */
    public record Output(float[] data, long[] shape) {}

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException(card.model() + ": closing the session failed", e);
        }
    }
}
