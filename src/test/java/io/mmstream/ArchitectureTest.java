package io.mmstream;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The logic lives in plain Java packages; only job, cli and the benchmark harness may touch Flink. */
class ArchitectureTest {

    private static final JavaClasses PRODUCTION = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.mmstream");

    @Test
    void purePackagesDoNotImportFlink() {
        noClasses().that().resideInAnyPackage("io.mmstream.align..", "io.mmstream.media..", "io.mmstream.inference..",
                        "io.mmstream.sim..", "io.mmstream.codec..", "io.mmstream.config..", "io.mmstream.schema..", "io.mmstream.dataset..", "io.mmstream.eval..",
                        "io.mmstream.dashboard..", "io.mmstream.bench..", "io.mmstream.kafka..")
                .should().dependOnClassesThat().resideInAnyPackage("org.apache.flink..")
                .because("logic lives in plain Java; Flink operators in io.mmstream.job are thin adapters")
                .check(PRODUCTION);
    }

    /**
     * The benchmark harness (jobs on a MiniCluster, the naive baseline, reports) lives in benchmark, which may use
     * Flink; what JMH runs lives in bench, which may not, and cli holds the commands: only cli starts the harness.
     */
    @Test
    void theBenchmarkHarnessIsApartFromThePureBenchCodeAndTheCommands() {
        noClasses().that().resideInAnyPackage("io.mmstream.bench..")
                .should().dependOnClassesThat().resideInAnyPackage("io.mmstream.benchmark..", "io.mmstream.job..", "io.mmstream.cli..")
                .check(PRODUCTION);
        noClasses().that().resideOutsideOfPackages("io.mmstream.benchmark..", "io.mmstream.cli..")
                .should().dependOnClassesThat().resideInAnyPackage("io.mmstream.benchmark..")
                .check(PRODUCTION);
        noClasses().that().resideInAnyPackage("io.mmstream.benchmark..")
                .should().dependOnClassesThat().resideInAnyPackage("io.mmstream.cli..")
                .check(PRODUCTION);
    }

    @Test
    void purePackagesDoNotReachIntoTheJobOrTheCommandLine() {
        noClasses().that().resideInAnyPackage("io.mmstream.align..", "io.mmstream.codec..", "io.mmstream.config..", "io.mmstream.sim..",
                        "io.mmstream.media..", "io.mmstream.dataset..", "io.mmstream.inference..", "io.mmstream.eval..", "io.mmstream.dashboard..", "io.mmstream.kafka..")
                .should().dependOnClassesThat().resideInAnyPackage("io.mmstream.job..", "io.mmstream.cli..")
                .check(PRODUCTION);
    }

    /**
     * A model is known by its card, and the job's default models by the models directory's models.yaml: no model's
     * name appears in main code ("av_sync" is also the sync result's name in the prediction, which readers match).
     */
    @Test
    void noModelNameInMainCode() throws Exception {
        java.util.List<String> names = new java.util.ArrayList<>();
        for (java.nio.file.Path card : io.mmstream.inference.ModelCard.cardsIn(java.nio.file.Path.of("onnx-models"))) {
            names.add(io.mmstream.inference.ModelCard.load(card).name());
        }
        org.assertj.core.api.Assertions.assertThat(names).hasSizeGreaterThanOrEqualTo(11);
        java.util.Map<String, java.util.Set<String>> allowed = java.util.Map.of("WindowHeads.java", java.util.Set.of("av_sync"));
        java.util.List<String> found = new java.util.ArrayList<>();
        try (var files = java.nio.file.Files.walk(java.nio.file.Path.of("src/main/java"))) {
            for (java.nio.file.Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String source = java.nio.file.Files.readString(file);
                for (String name : names) {
                    if (source.contains("\"" + name + "\"")
                            && !allowed.getOrDefault(file.getFileName().toString(), java.util.Set.of()).contains(name)) {
                        found.add(file + ": \"" + name + "\"");
                    }
                }
            }
        }
        org.assertj.core.api.Assertions.assertThat(found).as("model names in main code").isEmpty();
    }

    @Test
    void packagesDoNotDependOnEachOtherInCycles() {
        slices().matching("io.mmstream.(*)..").should().beFreeOfCycles().check(PRODUCTION);
    }
}
