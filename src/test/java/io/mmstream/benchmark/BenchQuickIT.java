package io.mmstream.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * `bench --quick` as the README gives it, on the packaged jar in its own JVM: every part runs and the report holds
 * every figure. Counts are checked (every latency window predicted, every stream count measured), timings never.
 */
class BenchQuickIT {

    private static final String NUMBER = "(\\d+(?:\\.\\d+)?)";

    @Test
    void theQuickBenchmarkRunsEveryPartAndReportsEveryFigure() throws Exception {
        Path report = Path.of("target", "bench-quick.md");
        Files.deleteIfExists(report);
        Path log = Path.of("target", "bench-quick.log");
        Process bench = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                "target" + File.separator + "mmstream.jar", "bench", "--quick", "--output", report.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean finished = bench.waitFor(10, TimeUnit.MINUTES);
        if (!finished) {
            bench.destroyForcibly();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(finished).as("bench --quick finished; its output:%n%s", output).isTrue();
        assertThat(bench.exitValue()).as(output).isZero();

        String md = Files.readString(report);
        assertThat(md).contains(BenchReport.MARKER, "`bench --quick`", "Machine: ");
        for (String row : List.of("limit \\(model work on \\d+ cores\\)", "limit, every core busy at once", "pipeline \\(this job\\)", "naive baseline")) {
            assertThat(md).containsPattern("\\| " + row + " \\| " + NUMBER + " \\| " + NUMBER + " \\|");
        }
        assertPositive(md, "\\*\\*pipeline / limit = " + NUMBER + "\\*\\*");
        assertPositive(md, "\\*\\*pipeline / limit of the cores left = " + NUMBER + "\\*\\*");
        assertPositive(md, "\\*\\*pipeline / that limit = " + NUMBER + "\\*\\*");
        assertPositive(md, "\\*\\*pipeline / naive = " + NUMBER + "\\*\\*");

        // both delivery guarantees, and every window of the measured stretch predicted
        for (String guarantee : List.of("at-least-once", "exactly-once")) {
            Matcher row = Pattern.compile("\\| pipeline \\| " + guarantee + " \\| .* \\| (\\d+) of (\\d+) \\|").matcher(md);
            assertThat(row.find()).as(md).isTrue();
            assertThat(row.group(1)).as(row.group()).isEqualTo(row.group(2));
            assertThat(Integer.parseInt(row.group(2))).isPositive();
        }
        for (int streams : new int[] {1, 4, 16, 64, 256}) {
            assertPositive(md, "\\| " + streams + " \\| " + NUMBER + " \\|");
        }
        assertPositive(md, "\\| 2 s \\| " + NUMBER + " \\|");
        for (String benchmark : List.of("frameEncoderBatch32", "headBatchAssembly", "headsBatch64", "jpegDecodeResize", "logMelPatch", "separationFollowingWindow",
                "separationWholeWindow", "windowAssembly")) {
            assertPositive(md, "\\| " + benchmark + " \\| " + NUMBER + " \\|");
        }
    }

    private static void assertPositive(String md, String pattern) {
        Matcher matcher = Pattern.compile(pattern).matcher(md);
        assertThat(matcher.find()).as("%s in%n%s", pattern, md).isTrue();
        assertThat(Double.parseDouble(matcher.group(1))).as(matcher.group()).isPositive();
    }
}
