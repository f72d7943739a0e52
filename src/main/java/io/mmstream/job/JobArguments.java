package io.mmstream.job;

import java.util.LinkedHashMap;
import java.util.Map;

/** A job jar's program arguments, {@code --FILE_FLAG PATH [--set name=value ...]}: the file and the assignments. */
public record JobArguments(String file, Map<String, String> values) {

    /**
     * @param fileFlag e.g. {@code --config}
     * @param usage what to say about an argument that does not fit
     * @throws IllegalArgumentException naming the argument that does not fit
     */
    public static JobArguments parse(String[] args, String fileFlag, String usage) {
        String file = null;
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals(fileFlag) && i + 1 < args.length) {
                file = args[++i];
            } else if (args[i].equals("--set") && i + 1 < args.length && args[i + 1].contains("=")) {
                String assignment = args[++i];
                values.put(assignment.substring(0, assignment.indexOf('=')), assignment.substring(assignment.indexOf('=') + 1));
            } else {
                throw new IllegalArgumentException("usage: " + usage + "; unexpected '" + args[i] + "'");
            }
        }
        return new JobArguments(file, values);
    }
}
