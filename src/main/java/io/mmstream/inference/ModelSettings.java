package io.mmstream.inference;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Which models the job runs and how: shipped with the job graph, opened in each operator through the shared
 * {@link ModelRegistry}, so a TaskManager JVM loads every model once whatever its number of slots.
 *
 * @param location a directory or classpath:DIR (see {@link ModelStore})
 * @param fusions the fusion variants to run, each a model name
 * @param minCoverage share of a window a head's modality must cover
 * @param run models run from their card alone, per frame or per audio step (models.run), in this order
 */
public record ModelSettings(String location, List<String> fusions, InferenceOptions options, double minCoverage, List<String> run)
        implements Serializable {

    public static final String FRAME_ENCODER = "frame_encoder";
    public static final String AUDIO_ENCODER = "audio_encoder";
    public static final String ACTION = "action_recognition";
    public static final String SYNC = "av_sync";

    public ModelSettings {
        fusions = List.copyOf(fusions);
        run = List.copyOf(run);
    }

    public ModelSettings(String location, List<String> fusions, InferenceOptions options, double minCoverage) {
        this(location, fusions, options, minCoverage, List.of());
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

    /** The window heads the job runs, in the order of their results: action, the fusion variants, sync, then those of models.run. */
    public List<String> headNames() {
        List<String> names = new ArrayList<>(List.of(ACTION));
        names.addAll(fusions);
        names.add(SYNC);
        stepModelCards(ModelCard.Stage.WINDOW).forEach(card -> names.add(card.name()));
        return names;
    }

    /** Every model the job runs, by name. */
    public List<String> names() {
        List<String> names = new ArrayList<>(List.of(FRAME_ENCODER, AUDIO_ENCODER, ACTION));
        names.addAll(fusions);
        names.add(SYNC);
        names.addAll(run);
        return names;
    }

    /**
     * Checks every card and model file where the job is built, so that a missing or altered model stops the
     * submission with a message naming the card, instead of failing every TaskManager at each restart.
     */
    public void verify() {
        names().forEach(name -> OnnxModel.verifyFile(card(name)));
        Map<String, ModelCard.Stage> producers = producers();
        names().stream().map(this::card).filter(card -> card.stage() == ModelCard.Stage.WINDOW).forEach(card -> checkProducers(card, producers));
        for (ModelCard card : stepModelCards(ModelCard.Stage.TEXT)) {
            card.inputs().stream().map(ModelCard.Tensor::binding).filter(b -> b instanceof Binding.Tokens t && t.tokenizer() != null)
                    .forEach(ids -> Tokenizer.of(card, (Binding.Tokens) ids));
        }
    }

    /** True when models.run names a model of this stage. */
    public boolean runs(ModelCard.Stage stage) {
        return !stepModelCards(stage).isEmpty();
    }

    /**
     * The cards of models.run at this stage (frame, audio_step, text or window), in models.run order; refuses an
     * encoder trained here, naming the card and the field, and a head the job runs anyway.
     */
    public List<ModelCard> stepModelCards(ModelCard.Stage stage) {
        List<ModelCard> cards = new ArrayList<>();
        for (String name : run) {
            ModelCard card = card(name);
            if (card.builtIn()) {
                throw new ModelCardException(card.file() + ": models.run = " + run + ": '" + name + "' is one of the encoders trained here, "
                        + "which the job runs by itself");
            }
            if (card.stage() == ModelCard.Stage.WINDOW && (name.equals(ACTION) || name.equals(SYNC) || fusions.contains(name))) {
                throw new ModelCardException(card.file() + ": models.run = " + run + ": '" + name + "' runs already, as "
                        + (fusions.contains(name) ? "a fusion variant (models.fusion)" : "one of the job's heads"));
            }
            if (card.stage() == stage) {
                cards.add(card);
            }
        }
        return cards;
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
            OnnxModel frames = lease(FRAME_ENCODER, leases);
            OnnxModel audio = lease(AUDIO_ENCODER, leases);
            return new Leased<>(new MediaEncoders(frames, audio), leases);
        } catch (RuntimeException e) {
            leases.forEach(ModelRegistry.Lease::close);
            throw e;
        }
    }

    /** The stage of each element model whose output the window heads may bind: the encoders. */
    public Map<String, ModelCard.Stage> producers() {
        return Map.of(FRAME_ENCODER, card(FRAME_ENCODER).stage(), AUDIO_ENCODER, card(AUDIO_ENCODER).stage());
    }

    /**
     * Refuses, naming the card and the field, a window head that binds the output of a model the job does not run
     * before the windows, an output that model does not have, or one of another width.
     */
    private void checkProducers(ModelCard head, Map<String, ModelCard.Stage> producers) {
        for (int i = 0; i < head.inputs().size(); i++) {
            ModelCard.Tensor input = head.inputs().get(i);
            if (!(input.binding() instanceof Binding.StepOutput bound)) {
                continue;
            }
            String where = head.file() + ": inputs[" + i + "] (" + input.name() + ").binds";
            if (!producers.containsKey(bound.model())) {
                throw new ModelCardException(where + ".model = '" + bound.model() + "': not a model the job runs per element before the windows "
                        + new java.util.TreeSet<>(producers.keySet()));
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
