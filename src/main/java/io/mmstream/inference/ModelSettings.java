package io.mmstream.inference;

import io.mmstream.align.WindowGeometry;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which models the job runs and how: shipped with the job graph, opened in each operator through the shared
 * {@link ModelRegistry}, so a TaskManager JVM loads every model once whatever its number of slots. What each model
 * does in the graph comes from its card alone: encoders per frame and per audio step (no result: the windows hold
 * their embeddings side by side), per-element models with a result, and window heads.
 *
 * @param location a directory or classpath:DIR (see {@link ModelStore})
 * @param run the models the job runs, each a card name (models.run), window heads' results in this order
 * @param minCoverage share of a window a head's modality must cover
 * @param questions the standing questions a question-answering head answers for every window (models.questions)
 */
public record ModelSettings(String location, List<String> run, InferenceOptions options, double minCoverage, List<String> questions)
        implements Serializable {

    public ModelSettings {
        run = List.copyOf(run);
        questions = List.copyOf(questions);
    }

    public ModelSettings(String location, List<String> run, InferenceOptions options, double minCoverage) {
        this(location, run, options, minCoverage, List.of());
    }

    /**
     * @param configured models.run as the pipeline file lists it; when it lists none, the models directory's default
     *     graph ({@link ModelStore#DEFAULT_GRAPH})
     */
    public static ModelSettings of(String location, List<String> configured, InferenceOptions options, double minCoverage) {
        return new ModelSettings(location, configured.isEmpty() ? ModelStore.defaultRun(location) : configured, options, minCoverage);
    }

    /** The same graph answering these standing questions. */
    public ModelSettings withQuestions(List<String> standing) {
        return new ModelSettings(location, run, options, minCoverage, standing);
    }

    /** Something built on leased models; closing it lets the leases go. */
    public record Leased<T>(T value, List<ModelRegistry.Lease> leases) implements AutoCloseable {
        @Override
        public void close() {
            leases.forEach(ModelRegistry.Lease::close);
        }
    }

    /** Where the named model's card is, as the configuration says it: for messages to people. */
    public String cardLocation(String name) {
        return location + "/" + name + ".json";
    }

    public ModelCard card(String name) {
        return ModelCard.load(ModelStore.card(location, name));
    }

    /** The window heads the job runs, in the order of their results (their order in models.run); separation is none. */
    public List<String> headNames() {
        return stepModelCards(ModelCard.Stage.WINDOW).stream().filter(card -> !card.separates()).map(ModelCard::name).toList();
    }

    /**
     * The separation model models.run names (a window model with a spectrogram_mask result), or null; refuses two,
     * naming both (the job publishes one separated stream per input stream).
     */
    public String separationName() {
        List<String> separating = stepModelCards(ModelCard.Stage.WINDOW).stream().filter(ModelCard::separates).map(ModelCard::name).toList();
        if (separating.size() > 1) {
            throw new ModelCardException("models.run = " + run + " (models.dir = '" + location + "'): names " + separating.size()
                    + " separation models " + separating + "; the job publishes one separated stream per input stream, so name one");
        }
        return separating.isEmpty() ? null : separating.get(0);
    }

    public Leased<AudioSeparation> separation() {
        List<ModelRegistry.Lease> leases = new ArrayList<>();
        try {
            return new Leased<>(new AudioSeparation(lease(separationName(), leases), producers()), leases);
        } catch (RuntimeException e) {
            leases.forEach(ModelRegistry.Lease::close);
            throw e;
        }
    }

    /** Every model the job runs, by name. */
    public List<String> names() {
        return run;
    }

    /**
     * Checks every card and model file where the job is built, so that a missing or altered model, or a graph the
     * cards do not make, stops the submission with a message naming the card and the field, instead of failing every
     * TaskManager at each restart.
     */
    public void verify() {
        List<ModelCard> cards = run.stream().map(this::card).toList();
        cards.forEach(OnnxModel::verifyFile);
        Map<String, EncoderSlice> producers = producers();
        List<ModelCard> windowCards = cards.stream().filter(card -> card.stage() == ModelCard.Stage.WINDOW).toList();
        windowCards.forEach(card -> {
            checkProducers(card, producers);
            checkQuestion(card);
        });
        checkStreamOffset(windowCards);
        separationName();
        for (ModelCard card : stepModelCards(ModelCard.Stage.TEXT)) {
            card.inputs().stream().map(ModelCard.Tensor::binding).filter(b -> b instanceof Binding.Tokens t && t.tokenizer() != null)
                    .forEach(ids -> Tokenizer.of(card, (Binding.Tokens) ids));
        }
        geometry();
    }

    /** True when models.run names a model with a result at this stage. */
    public boolean runs(ModelCard.Stage stage) {
        return !stepModelCards(stage).isEmpty();
    }

    /** The cards of models.run with a result at this stage (frame, audio_step, text or window), in models.run order. */
    public List<ModelCard> stepModelCards(ModelCard.Stage stage) {
        return run.stream().map(this::card).filter(card -> card.stage() == stage && !card.encoder()).toList();
    }

    /**
     * The encoders of a stage (frame or audio_step): the models of models.run at that stage without a result, in
     * models.run order, whose embeddings the windows hold side by side at each step; refuses none, and audio encoders
     * that cut their log-mel patches differently (one patch per step feeds them all).
     */
    public List<ModelCard> encoders(ModelCard.Stage stage) {
        List<ModelCard> encoders = run.stream().map(this::card).filter(card -> card.stage() == stage && card.encoder()).toList();
        if (encoders.isEmpty()) {
            throw new ModelCardException("models.run = " + run + " (models.dir = '" + location + "'): names no " + stage.wire + " encoder; "
                    + "the windows hold the embeddings of at least one per frame and one per audio step (a model of that stage whose card "
                    + "has no result)");
        }
        if (stage == ModelCard.Stage.AUDIO_STEP) {
            Binding.LogMelPatch first = MediaEncoders.logMelPatch(encoders.get(0));
            for (ModelCard other : encoders.subList(1, encoders.size())) {
                if (!MediaEncoders.logMelPatch(other).equals(first)) {
                    throw new ModelCardException(other.file() + ": inputs: a log-mel patch of " + MediaEncoders.logMelPatch(other) + "; "
                            + encoders.get(0).file() + " binds " + first + ", and one patch per audio step feeds every audio encoder");
                }
            }
        }
        return encoders;
    }

    /** The models run from their card at this stage, each on a shared session. */
    public Leased<StepModels> stepModels(ModelCard.Stage stage) {
        List<ModelRegistry.Lease> leases = new ArrayList<>();
        try {
            List<ElementModel> models = new ArrayList<>();
            for (ModelCard card : stepModelCards(stage)) {
                models.add(new ElementModel(lease(card.name(), leases)));
            }
            return new Leased<>(new StepModels(models), leases);
        } catch (RuntimeException e) {
            leases.forEach(ModelRegistry.Lease::close);
            throw e;
        }
    }

    public Leased<MediaEncoders> encoders() {
        List<ModelRegistry.Lease> leases = new ArrayList<>();
        try {
            List<OnnxModel> frames = new ArrayList<>();
            List<OnnxModel> audio = new ArrayList<>();
            encoders(ModelCard.Stage.FRAME).forEach(card -> frames.add(lease(card.name(), leases)));
            encoders(ModelCard.Stage.AUDIO_STEP).forEach(card -> audio.add(lease(card.name(), leases)));
            return new Leased<>(new MediaEncoders(frames, audio), leases);
        } catch (RuntimeException e) {
            leases.forEach(ModelRegistry.Lease::close);
            throw e;
        }
    }

    /** Where each encoder's embedding lies in a step of its stage, which the window heads may bind by name. */
    public Map<String, EncoderSlice> producers() {
        Map<String, EncoderSlice> producers = new LinkedHashMap<>();
        for (ModelCard.Stage stage : List.of(ModelCard.Stage.FRAME, ModelCard.Stage.AUDIO_STEP)) {
            int offset = 0;
            for (ModelCard encoder : encoders(stage)) {
                int width = Integer.parseInt(encoder.outputs().get(0).shape().get(1));
                producers.put(encoder.name(), new EncoderSlice(stage, offset, width));
                offset += width;
            }
        }
        return producers;
    }

    /** How many values a step of the stage holds: its encoders' widths together. */
    public int stepWidth(ModelCard.Stage stage) {
        return producers().values().stream().filter(slice -> slice.stage() == stage).mapToInt(EncoderSlice::width).sum();
    }

    /**
     * The window's shape as the heads' cards bind it, one for all (built by the caller with what no card fixes):
     * the grid step and its number of steps, the width of each stage's step, and the sensor series. Refuses, naming
     * the card and the field, a head that disagrees with another on any of these.
     */
    public WindowGeometry.Builder geometry() {
        WindowGeometry.Builder geometry = new WindowGeometry.Builder(stepWidth(ModelCard.Stage.FRAME), stepWidth(ModelCard.Stage.AUDIO_STEP));
        try {
            for (ModelCard head : stepModelCards(ModelCard.Stage.WINDOW)) {
                for (int i = 0; i < head.inputs().size(); i++) {
                    ModelCard.Tensor input = head.inputs().get(i);
                    String where = cardLocation(head.name()) + ": inputs[" + i + "] (" + input.name() + ")";
                    if (input.binding() instanceof Binding.StepOutput output) {
                        geometry.grid(where + ".binds", output.stepMicros(), output.steps());
                    } else if (input.binding() instanceof Binding.SensorSeries series) {
                        geometry.sensor(where, series.kind(), series.stepMicros(), series.mean(), series.std());
                    }
                }
            }
        } catch (WindowGeometry.Mismatch e) {
            throw new ModelCardException(e.getMessage(), e);
        }
        return geometry;
    }

    /**
     * Refuses, naming the card and the field, a window head that binds the output of a model models.run does not run as
     * an encoder, an output other than its embedding, or one of another width.
     */
    private void checkProducers(ModelCard head, Map<String, EncoderSlice> producers) {
        for (int i = 0; i < head.inputs().size(); i++) {
            ModelCard.Tensor input = head.inputs().get(i);
            if (!(input.binding() instanceof Binding.StepOutput bound)) {
                continue;
            }
            String where = head.file() + ": inputs[" + i + "] (" + input.name() + ").binds";
            if (!producers.containsKey(bound.model())) {
                throw new ModelCardException(where + ".model = '" + bound.model() + "': not an encoder models.run runs before the windows "
                        + producers.keySet() + " (models.run = " + run + ")");
            }
            ModelCard producer = card(bound.model());
            ModelCard.Tensor output = producer.outputs().stream().filter(o -> o.name().equals(bound.output())).findFirst()
                    .orElseThrow(() -> new ModelCardException(where + ".output = '" + bound.output() + "': not an output of " + producer.file()
                            + " " + producer.outputs().stream().map(ModelCard.Tensor::name).toList()));
            String width = output.shape().get(output.shape().size() - 1);
            if (!width.equals(input.shape().get(2))) {
                throw new ModelCardException(head.file() + ": inputs[" + i + "] (" + input.name() + ").shape = " + input.shape() + ": "
                        + producer.file() + " gives " + bound.output() + " of width " + width);
            }
        }
    }

    /** Refuses a head that binds its stream's offset in a graph without an offset head to estimate it. */
    private void checkStreamOffset(List<ModelCard> windowCards) {
        boolean offsetHead = windowCards.stream().anyMatch(card -> card.result().decoding() instanceof Decoding.Offset);
        for (ModelCard head : windowCards) {
            for (int i = 0; i < head.inputs().size() && !offsetHead; i++) {
                if (head.inputs().get(i).binding() instanceof Binding.StreamOffset) {
                    throw new ModelCardException(head.file() + ": inputs[" + i + "] (" + head.inputs().get(i).name() + ").binds = {\"sync\": \"stream\"}: "
                            + "models.run = " + run + " runs no head decoding an offset (av_sync) to estimate the stream's offset");
                }
            }
        }
    }

    /**
     * Refuses, naming the card and the field, a question binding whose text model is not a text model with an
     * embedding of the input's width.
     */
    private void checkQuestion(ModelCard head) {
        for (int i = 0; i < head.inputs().size(); i++) {
            ModelCard.Tensor input = head.inputs().get(i);
            if (input.binding() instanceof Binding.Question question) {
                String where = head.file() + ": inputs[" + i + "] (" + input.name() + ").binds.question = '" + question.textModel() + "'";
                ModelCard text;
                try {
                    text = card(question.textModel());
                } catch (ModelCardException e) {
                    throw new ModelCardException(where + ": no such card in " + location + " (" + e.getMessage() + ")", e);
                }
                String width = text.outputs().get(0).shape().get(text.outputs().get(0).shape().size() - 1);
                if (text.stage() != ModelCard.Stage.TEXT || !width.equals(input.shape().get(1))) {
                    throw new ModelCardException(where + ": " + text.file() + " is a " + text.stage().wire + " model giving width " + width
                            + "; the input " + input.shape() + " takes a text model's embedding of width " + input.shape().get(1));
                }
            }
        }
    }

    public Leased<WindowHeads> heads() {
        List<ModelRegistry.Lease> leases = new ArrayList<>();
        try {
            List<OnnxModel> heads = new ArrayList<>();
            Map<String, Map<String, float[]>> questionEmbeddings = new LinkedHashMap<>();
            for (String name : headNames()) {
                OnnxModel head = lease(name, leases);
                heads.add(head);
                String textModel = WindowInputs.questionModel(head.card());
                if (textModel != null && !questionEmbeddings.containsKey(textModel)) {
                    questionEmbeddings.put(textModel, embed(questions, new ElementModel(lease(textModel, leases))));
                }
            }
            return new Leased<>(new WindowHeads(heads, producers(), (float) minCoverage, questionEmbeddings), leases);
        } catch (RuntimeException e) {
            leases.forEach(ModelRegistry.Lease::close);
            throw e;
        }
    }

    /** Each text's embedding by the text model, in order; refuses a text the model fails on, naming it. */
    public static Map<String, float[]> embed(List<String> texts, ElementModel textModel) {
        Map<String, float[]> embedded = new LinkedHashMap<>();
        List<ElementModel.Outcome> outcomes = textModel.run(texts.stream().map(text -> ElementModel.Call.text(textModel.tokens(text))).toList());
        for (int i = 0; i < texts.size(); i++) {
            if (!outcomes.get(i).ok()) {
                throw new IllegalStateException(textModel.card().file() + " cannot embed '" + texts.get(i) + "': " + outcomes.get(i).error());
            }
            embedded.put(texts.get(i), outcomes.get(i).values());
        }
        return embedded;
    }

    private OnnxModel lease(String name, List<ModelRegistry.Lease> leases) {
        ModelRegistry.Lease lease = ModelRegistry.acquire(ModelStore.card(location, name), options);
        leases.add(lease);
        return lease.model();
    }
}
