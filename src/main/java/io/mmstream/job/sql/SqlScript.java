package io.mmstream.job.sql;

import io.mmstream.config.ConfigException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.table.api.StatementSet;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.TableResult;

/**
 * A Flink SQL script (flink-jobs/*.sql): its statements, its {@code ${name}} placeholders filled (the Kafka
 * address, say), run in one table environment; its INSERTs as one job.
 */
public final class SqlScript {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z0-9_.-]+)}");
    /** SET 'key' = 'value', as Flink's SQL client takes it: a table environment's executeSql does not. */
    private static final Pattern SET = Pattern.compile("(?is)SET\\s+'([^']+)'\\s*=\\s*'([^']*)'");

    private final String name;
    private final List<String> statements;

    private SqlScript(String name, List<String> statements) {
        this.name = name;
        this.statements = statements;
    }

    /**
     * @param name the file, for messages
     * @throws ConfigException naming the file and the placeholder when a value is missing
     */
    public static SqlScript of(String name, String text, Map<String, String> values) {
        Matcher placeholder = PLACEHOLDER.matcher(text);
        StringBuilder filled = new StringBuilder();
        while (placeholder.find()) {
            String value = values.get(placeholder.group(1));
            if (value == null) {
                throw new ConfigException(name + ": no value for ${" + placeholder.group(1) + "} (give it with --set " + placeholder.group(1) + "=...)");
            }
            placeholder.appendReplacement(filled, Matcher.quoteReplacement(value.replace("'", "''")));
        }
        placeholder.appendTail(filled);
        return new SqlScript(name, split(filled.toString()));
    }

    public List<String> statements() {
        return statements;
    }

    /** Applies the SETs, runs every other statement but the INSERTs, then submits the INSERTs as one job; null when there is none. */
    public TableResult run(TableEnvironment tables) {
        StatementSet inserts = tables.createStatementSet();
        int insertCount = 0;
        for (String statement : statements) {
            Matcher set = SET.matcher(statement);
            if (set.matches()) {
                tables.getConfig().set(set.group(1), set.group(2));
            } else if (statement.regionMatches(true, 0, "INSERT", 0, 6)) {
                inserts.addInsertSql(statement);
                insertCount++;
            } else {
                tables.executeSql(statement);
            }
        }
        return insertCount == 0 ? null : inserts.execute();
    }

    @Override
    public String toString() {
        return name;
    }

    /** Statements end with a semicolon outside quotes; line comments (--) go. */
    static List<String> split(String text) {
        List<String> statements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!quoted && c == '-' && i + 1 < text.length() && text.charAt(i + 1) == '-') {
                while (i < text.length() && text.charAt(i) != '\n') {
                    i++;
                }
                current.append('\n');
                continue;
            }
            if (c == '\'') {
                quoted = !quoted;
            }
            if (c == ';' && !quoted) {
                add(statements, current);
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        add(statements, current);
        return statements;
    }

    private static void add(List<String> statements, StringBuilder statement) {
        String trimmed = statement.toString().strip();
        if (!trimmed.isEmpty()) {
            statements.add(trimmed);
        }
    }
}
