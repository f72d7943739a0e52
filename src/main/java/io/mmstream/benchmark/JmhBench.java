package io.mmstream.benchmark;

import io.mmstream.bench.HotPaths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The JMH micro-benchmarks of the hot paths ({@link HotPaths}), in a forked JVM as JMH wants. */
@Command(name = "jmh", mixinStandardHelpOptions = true,
        description = "JMH: JPEG decode+resize, log-mel, window and batch assembly, the ONNX calls (microseconds per call).")
final class JmhBench implements Callable<Integer> {

    @Option(names = "--quick", description = "One short warm-up and two short measurements per benchmark (about 30 s in all).")
    boolean quick;

    /** Microseconds per call with JMH's 99.9% error bound. */
    record Score(String benchmark, double micros, double error) {}

    @Override
    public Integer call() throws Exception {
        for (Score score : measure(quick)) {
            System.out.printf(Locale.ROOT, "%-22s %10.2f us +- %.2f%n", score.benchmark(), score.micros(), score.error());
        }
        return 0;
    }

    static List<Score> measure(boolean quick) throws Exception {
        OptionsBuilder options = new OptionsBuilder();
        options.include(HotPaths.class.getName()).verbosity(VerboseMode.SILENT);
        if (quick) {
            options.warmupIterations(1).warmupTime(TimeValue.milliseconds(500)).measurementIterations(2).measurementTime(TimeValue.milliseconds(500));
        }
        List<Score> scores = new ArrayList<>();
        for (RunResult result : new Runner(options.build()).run()) {
            String name = result.getParams().getBenchmark();
            scores.add(new Score(name.substring(name.lastIndexOf('.') + 1), result.getPrimaryResult().getScore(),
                    result.getPrimaryResult().getScoreError()));
        }
        scores.sort((a, b) -> a.benchmark().compareTo(b.benchmark()));
        return scores;
    }
}
