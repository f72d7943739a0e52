package io.mmstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The README's demo command, run in this JVM for a few seconds: broker, job and producer for real. */
class DemoCommandTest {

    private static long figure(String summary, String name) {
        Matcher matcher = Pattern.compile("\"" + name + "\": (-?\\d+)").matcher(summary);
        assertThat(matcher.find()).as("%s in %s", name, summary).isTrue();
        return Long.parseLong(matcher.group(1));
    }

    @Test
    void theDemoPrintsWindowResultsAndAJsonSummary() {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        int exitCode;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            exitCode = new CommandLine(new Main()).execute("demo", "--streams", "2", "--duration", "8s", "--corrupt-every", "100", "--dashboard-port", "0");
        } finally {
            System.setOut(stdout);
        }
        String output = captured.toString(StandardCharsets.UTF_8);
        String[] lines = output.strip().split("\n");
        String summary = lines[lines.length - 1];

        assertThat(exitCode).as(output).isZero();
        assertThat(output).containsPattern("stream-000 \\S+-\\S+  action \\S+ .* fusion (idle|walk|run|jump|wave|clap|sit_down|fall) ")
                .containsPattern("stream-001 .* sync ").contains("[VAS]");
        assertThat(output).containsPattern("Dashboard on http://127\\.0\\.0\\.1:\\d+/");
        assertThat(figure(summary, "streams")).isEqualTo(2);
        assertThat(figure(summary, "predictions")).isPositive().isEqualTo(figure(summary, "windows"));
        assertThat(figure(summary, "corruptSent")).isPositive();
        assertThat(figure(summary, "deadLetters")).as("one dead letter per corrupted record").isEqualTo(figure(summary, "corruptSent"));
        assertThat(figure(summary, "lateRecords")).isZero();
        assertThat(figure(summary, "latencyP99Ms")).isGreaterThanOrEqualTo(figure(summary, "latencyP50Ms")).isPositive();
        assertThat(summary).contains("\"accuracy\": {").contains("\"sync\": {\"soundingWindows\": ");
    }
}
