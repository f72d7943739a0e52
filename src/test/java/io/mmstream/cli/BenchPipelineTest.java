package io.mmstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** `bench pipeline --quick` runs end to end and reports its three measurements and their ratios (no timing asserted). */
class BenchPipelineTest {

    @Test
    void theQuickBenchmarkMeasuresTheLimitThePipelineAndTheNaiveBaseline() {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        int exitCode;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            exitCode = Main.commandLine().execute("bench", "pipeline", "--quick");
        } finally {
            System.setOut(stdout);
        }
        String output = captured.toString(StandardCharsets.UTF_8);
        assertThat(exitCode).as(output).isZero();
        for (String row : new String[] {"limit \\(model work, all cores\\)", "pipeline \\(this job\\)", "naive \\(per record, raw windows\\)"}) {
            assertThat(output).as(output).containsPattern(row + " +\\d+ +\\d+\\.\\d");
        }
        Matcher ratios = Pattern.compile("pipeline / limit = (\\d+\\.\\d+) +pipeline / naive = (\\d+\\.\\d+)").matcher(output);
        assertThat(ratios.find()).as(output).isTrue();
        assertThat(Double.parseDouble(ratios.group(1))).isPositive();
        assertThat(Double.parseDouble(ratios.group(2))).isPositive();
    }
}
