package io.mmstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.mmstream.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import picocli.CommandLine;

/** What the real-media tests do with tools no one here wrote (ffmpeg, espeak-ng) and with our own `produce`. */
public final class MediaTools {

    private MediaTools() {}

    /** Runs a command line to its end; fails the test, with what it printed, unless it exits 0. */
    public static void run(List<String> command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as("%s: %s", String.join(" ", command), output).isZero();
    }

    public static void run(String... command) throws Exception {
        run(List.of(command));
    }

    /** Runs an mmstream command; returns what it printed on stdout, failing the test on a non-zero exit. */
    public static String command(String... args) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        java.io.PrintStream stdout = System.out;
        int exit;
        System.setOut(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            exit = Main.commandLine().setErr(new PrintWriter(err, true)).execute(args);
        } finally {
            System.setOut(stdout);
        }
        String printed = out.toString(java.nio.charset.StandardCharsets.UTF_8);
        if (exit != 0) {
            throw new AssertionError(String.join(" ", args) + ": exit " + exit + ": " + printed + err);
        }
        return printed;
    }

    /** Runs `produce` with these arguments; returns what it printed on stderr (nothing, when all went well). */
    public static String produce(List<String> args) {
        StringWriter err = new StringWriter();
        CommandLine commandLine = Main.commandLine();
        commandLine.setErr(new PrintWriter(err, true));
        int exitCode = commandLine.execute(java.util.stream.Stream.concat(java.util.stream.Stream.of("produce"), args.stream()).toArray(String[]::new));
        return exitCode == 0 ? err.toString().lines().filter(line -> !line.contains("has no audio stream")).reduce("", String::concat)
                : "exit " + exitCode + ": " + err;
    }

    /** The file as 16 kHz mono samples in [-1, 1], resampled by ffmpeg (written next to it). */
    public static float[] pcm16k(java.nio.file.Path file) throws Exception {
        java.nio.file.Path raw = file.resolveSibling(file.getFileName() + ".s16");
        run("/usr/bin/ffmpeg", "-y", "-loglevel", "error", "-i", file.toString(), "-ac", "1", "-ar", "16000", "-f", "s16le", raw.toString());
        java.nio.ByteBuffer bytes = java.nio.ByteBuffer.wrap(java.nio.file.Files.readAllBytes(raw)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        float[] samples = new float[bytes.remaining() / 2];
        for (int i = 0; i < samples.length; i++) {
            samples[i] = bytes.getShort() / 32768f;
        }
        return samples;
    }
}
