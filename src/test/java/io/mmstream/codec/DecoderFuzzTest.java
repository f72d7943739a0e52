package io.mmstream.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * 100,000 mutated records and every hostile record through the decoder in a child JVM of 128 MB heap: a decoder
 * that allocated from a length the record claims, or let any exception or error escape, fails here.
 */
class DecoderFuzzTest {

    private static final int MUTATIONS = 100_000;

    @Test
    void nothingEscapesTheDecoderAndNothingOverAllocatesInASmallHeap() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process process = new ProcessBuilder(List.of(java.toString(), "-Xmx128m", "-XX:+ExitOnOutOfMemoryError", "-cp",
                System.getProperty("java.class.path"), DecoderFuzz.class.getName(), Integer.toString(MUTATIONS), "20261129"))
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).isTrue();
        System.out.print(output);
        assertThat(process.exitValue()).as(output).isZero();
        Matcher summary = Pattern.compile("hostile=(\\d+) mutations=(\\d+) accepted=(\\d+) rejected=(\\d+) escaped=0 overallocated=0").matcher(output);
        assertThat(summary.find()).as(output).isTrue();
        int hostile = Integer.parseInt(summary.group(1));
        int accepted = Integer.parseInt(summary.group(3));
        int rejected = Integer.parseInt(summary.group(4));
        assertThat(Integer.parseInt(summary.group(2))).isEqualTo(MUTATIONS);
        assertThat(accepted + rejected).isEqualTo(hostile + MUTATIONS);
        // the mutations reach validation and beyond, not only the header check
        assertThat(accepted).as("mutations that still decode").isGreaterThan(MUTATIONS / 50);
    }
}
