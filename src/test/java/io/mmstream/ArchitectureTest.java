package io.mmstream;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The logic lives in plain Java packages; only job and cli may touch Flink. */
class ArchitectureTest {

    private static final JavaClasses PRODUCTION = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.mmstream");

    @Test
    void purePackagesDoNotImportFlink() {
        noClasses().that().resideInAnyPackage("io.mmstream.align..", "io.mmstream.media..", "io.mmstream.inference..",
                        "io.mmstream.sim..", "io.mmstream.codec..", "io.mmstream.config..", "io.mmstream.schema..", "io.mmstream.dataset..", "io.mmstream.eval..",
                        "io.mmstream.dashboard..", "io.mmstream.bench..")
                .should().dependOnClassesThat().resideInAnyPackage("org.apache.flink..")
                .because("logic lives in plain Java; Flink operators in io.mmstream.job are thin adapters")
                .check(PRODUCTION);
    }

    @Test
    void purePackagesDoNotReachIntoTheJobOrTheCommandLine() {
        noClasses().that().resideInAnyPackage("io.mmstream.align..", "io.mmstream.codec..", "io.mmstream.config..", "io.mmstream.sim..",
                        "io.mmstream.media..", "io.mmstream.dataset..", "io.mmstream.inference..", "io.mmstream.eval..", "io.mmstream.dashboard..")
                .should().dependOnClassesThat().resideInAnyPackage("io.mmstream.job..", "io.mmstream.cli..")
                .check(PRODUCTION);
    }

    @Test
    void packagesDoNotDependOnEachOtherInCycles() {
        slices().matching("io.mmstream.(*)..").should().beFreeOfCycles().check(PRODUCTION);
    }
}
