package io.mmstream.eval.metrics;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * WordNet 3.0's synonyms of a word, as NLTK's {@code wordnet.synsets(word)} finds them: the word lower-cased, reduced
 * to its base forms by the exception lists and the suffix rules (morphy) of each part of speech, then the lemma names
 * of every synset of every base form. The dictionary files are extJWNL's packaging of WordNet 3.0 (Maven Central),
 * the same files NLTK reads.
 */
public final class WordNet {

    private static final String ROOT = "/net/sf/extjwnl/data/wordnet/wn30/";
    private static final String[] PARTS = {"noun", "verb", "adj", "adv"};
    // NLTK's MORPHOLOGICAL_SUBSTITUTIONS, per part of speech, in its order
    private static final String[][][] SUFFIXES = {
        {{"s", ""}, {"ses", "s"}, {"ves", "f"}, {"xes", "x"}, {"zes", "z"}, {"ches", "ch"}, {"shes", "sh"}, {"men", "man"}, {"ies", "y"}},
        {{"s", ""}, {"ies", "y"}, {"es", "e"}, {"es", ""}, {"ed", "e"}, {"ed", ""}, {"ing", "e"}, {"ing", ""}},
        {{"er", ""}, {"est", ""}, {"er", "e"}, {"est", "e"}},
        {}};

    private static volatile WordNet instance;

    /** Per part of speech: each lemma's synset offsets, the exception list, and the data file's synset lines by offset. */
    private final List<Map<String, long[]>> index = new ArrayList<>();
    private final List<Map<String, List<String>>> exceptions = new ArrayList<>();
    private final List<Map<Long, String>> synsets = new ArrayList<>();

    private WordNet() {
        for (String part : PARTS) {
            index.add(readIndex(part));
            exceptions.add(readExceptions(part));
            synsets.add(readData(part));
        }
    }

    /** The dictionary, read once per JVM (about 50 MB of text: read on first use only). */
    public static WordNet get() {
        if (instance == null) {
            synchronized (WordNet.class) {
                if (instance == null) {
                    instance = new WordNet();
                }
            }
        }
        return instance;
    }

    /** The lemma names (case kept, multi-word ones with '_') of every synset of the word, over all parts of speech. */
    public Set<String> lemmaNames(String word) {
        String form = word.toLowerCase(java.util.Locale.ROOT);
        Set<String> names = new LinkedHashSet<>();
        for (int part = 0; part < PARTS.length; part++) {
            for (String base : morphy(form, part)) {
                for (long offset : index.get(part).get(base)) {
                    names.addAll(lemmas(synsets.get(part).get(offset)));
                }
            }
        }
        return names;
    }

    private List<String> morphy(String form, int part) {
        List<String> known = exceptions.get(part).get(form);
        if (known != null) {
            List<String> forms = new ArrayList<>(List.of(form));
            forms.addAll(known);
            return inIndex(forms, part);
        }
        List<String> forms = applySuffixes(List.of(form), part);
        List<String> first = new ArrayList<>(List.of(form));
        first.addAll(forms);
        List<String> results = inIndex(first, part);
        while (results.isEmpty() && !forms.isEmpty()) {
            forms = applySuffixes(forms, part);
            results = inIndex(forms, part);
        }
        return results;
    }

    private static List<String> applySuffixes(List<String> forms, int part) {
        List<String> out = new ArrayList<>();
        for (String form : forms) {
            for (String[] rule : SUFFIXES[part]) {
                if (form.endsWith(rule[0])) {
                    out.add(form.substring(0, form.length() - rule[0].length()) + rule[1]);
                }
            }
        }
        return out;
    }

    private List<String> inIndex(List<String> forms, int part) {
        return forms.stream().filter(index.get(part)::containsKey).distinct().toList();
    }

    /** A data line: offset lex_filenum ss_type w_cnt(hex) word lex_id [word lex_id]... ; an adjective's marker "(a)" dropped. */
    private static List<String> lemmas(String line) {
        String[] fields = line.split(" ");
        int count = Integer.parseInt(fields[3], 16);
        List<String> names = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String name = fields[4 + 2 * i];
            int marker = name.indexOf('(');
            names.add(marker > 0 && name.endsWith(")") ? name.substring(0, marker) : name);
        }
        return names;
    }

    /** An index line: lemma pos synset_cnt p_cnt [ptr_symbol]... sense_cnt tagsense_cnt synset_offset... */
    private static Map<String, long[]> readIndex(String part) {
        Map<String, long[]> out = new HashMap<>();
        for (String line : lines("index." + part)) {
            String[] fields = line.split(" ");
            int synsetCount = Integer.parseInt(fields[2]);
            int pointers = Integer.parseInt(fields[3]);
            long[] offsets = new long[synsetCount];
            for (int i = 0; i < synsetCount; i++) {
                offsets[i] = Long.parseLong(fields[6 + pointers + i]);
            }
            out.put(fields[0], offsets);
        }
        return out;
    }

    private static Map<String, List<String>> readExceptions(String part) {
        Map<String, List<String>> out = new HashMap<>();
        for (String line : lines(part + ".exc")) {
            String[] fields = line.split(" ");
            out.put(fields[0], List.of(fields).subList(1, fields.length));
        }
        return out;
    }

    private static Map<Long, String> readData(String part) {
        Map<Long, String> out = new HashMap<>();
        for (String line : lines("data." + part)) {
            out.put(Long.parseLong(line.substring(0, line.indexOf(' '))), line);
        }
        return out;
    }

    /** The file's lines without its licence header (lines that start with two spaces). */
    private static List<String> lines(String file) {
        try (InputStream in = WordNet.class.getResourceAsStream(ROOT + file)) {
            if (in == null) {
                throw new IllegalStateException("WordNet 3.0 file " + ROOT + file + " is not on the classpath (net.sf.extjwnl:extjwnl-data-wn30)");
            }
            List<String> out = new ArrayList<>();
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (!line.startsWith("  ") && !line.isBlank()) {
                    out.add(line);
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
