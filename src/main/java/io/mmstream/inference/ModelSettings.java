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
 * does in the graph comes from its card alone: an encoder per frame and one per audio step (no result: the windows
 * hold their embeddings), per-element models with a result, and window heads.
 *
 * @param location a directory or classpath:DIR (see {@link ModelStore})
 * @param run the models the job runs, each a card name (models.run), window heads' results in this order
 * @param minCoverage share of a window a head's modality must cover
 */
public record ModelSettings(String location, List<String> run, InferenceOptions options, double minCoverage) implements Serializable {

    public ModelSettings {
        run = List.copyOf(run);
    }

    /**
     * @param configured models.run as the pipeline file lists it; when it lists none, the models directory's default
     *     graph ({@link ModelStore#DEFAULT_GRAPH})
     */
    public static ModelSettings of(String location, List<String> configured, InferenceOptions options, double minCoverage) {
        return new ModelSettings(location, configured.isEmpty() ? ModelStore.defaultRun(location) : configured, options, minCoverage);
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

    /** The window heads the job runs, in the order of their results (their order in models.run). */
    public List<String> headNames() {
        return stepModelCards(ModelCard.Stage.WINDOW).stream().map(ModelCard::name).toList();
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
        Map<String, ModelCard.Stage> producers = producers();
        cards.stream().filter(card -> card.stage() == ModelCard.Stage.WINDOW).forEach(card -> checkProducers(card, producers));
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
     * The encoder of a stage (frame or audio_step): the one model of models.run at that stage without a result, whose
     * embedding the windows hold at each step; refuses none, or two, naming models.run.
     */
    public ModelCard encoder(ModelCard.Stage stage) {
        List<ModelCard> encoders = run.stream().map(this::card).filter(card -> card.stage() == stage && card.encoder()).toList();
        if (encoders.size() != 1) {
            throw new ModelCardException("models.run = " + run + " (models.dir = '" + location + "'): names " + encoders.size() + " "
                    + stage.wire + " encoders " + encoders.stream().map(ModelCard::name).toList() + "; the windows hold the embeddings of "
                    + "exactly one per frame and one per audio step (a model of that stage whose card has no result)");
        }
        return encoders.get(0);
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
            OnnxModel frames = lease(encoder(ModelCard.Stage.FRAME).name(), leases);
            OnnxModel audio = lease(encoder(ModelCard.Stage.AUDIO_STEP).name(), leases);
            return new Leased<>(new MediaEncoders(frames, audio), leases);
        } catch (RuntimeException e) {
            leases.forEach(ModelRegistry.Lease::close);
            throw e;
        }
    }

    /** The stage of each encoder, whose output the window heads may bind. */
    public Map<String, ModelCard.Stage> producers() {
        Map<String, ModelCard.Stage> producers = new LinkedHashMap<>();
        for (ModelCard.Stage stage : List.of(ModelCard.Stage.FRAME, ModelCard.Stage.AUDIO_STEP)) {
            producers.put(encoder(stage).name(), stage);
        }
        return producers;
    }

    /**
     * The window's shape as the heads' cards bind it, one for all (built by the caller with what no card fixes):
     * the grid step and its number of steps, the encoders' width, and the sensor series. Refuses, naming the card
     * and the field, a head that disagrees with another on any of these, and encoders of different widths.
     */
    public WindowGeometry.Builder geometry() {
        ModelCard frameEncoder = encoder(ModelCard.Stage.FRAME);
        ModelCard audioEncoder = encoder(ModelCard.Stage.AUDIO_STEP);
        String width = frameEncoder.outputs().get(0).shape().get(1);
        if (!audioEncoder.outputs().get(0).shape().get(1).equals(width)) {
            throw new ModelCardException(audioEncoder.file() + ": outputs[0].shape = " + audioEncoder.outputs().get(0).shape() + ": the windows "
                    + "hold both encoders' embeddings at one width, and " + frameEncoder.file() + " gives " + width);
        }
        WindowGeometry.Builder geometry = new WindowGeometry.Builder(Integer.parseInt(width));
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
     * an encoder, an output that model does not have, or one of another width.
     */
    private void checkProducers(ModelCard head, Map<String, ModelCard.Stage> producers) {
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

    public Leased<WindowHeads> heads() {
        List<ModelRegistry.Lease> leases = new ArrayList<>();
        try {
            List<OnnxModel> heads = new ArrayList<>();
            for (String name : headNames()) {
                heads.add(lease(name, leases));
            }
            return new Leased<>(new WindowHeads(heads, producers(), (float) minCoverage), leases);
        } catch (RuntimeException e) {
            leases.forEach(ModelRegistry.Lease::close);
            throw e;
        }
    }

    private OnnxModel lease(String name, List<ModelRegistry.Lease> leases) {
        ModelRegistry.Lease lease = ModelRegistry.acquire(ModelStore.card(location, name), options);
        leases.add(lease);
        return lease.model();
    }
}
