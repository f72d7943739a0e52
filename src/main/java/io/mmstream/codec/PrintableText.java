package io.mmstream.codec;

import java.nio.charset.StandardCharsets;

/**
 * Identifiers that people read in terminals and pages: stream ids, sensor ids, sensor kinds. Control, format
 * (bidirectional overrides, zero-width), separator-other-than-space, private-use and unassigned characters are
 * refused, so an id can neither rewrite a terminal nor look like another id. An id over its bound is refused,
 * never cut: cutting would merge two streams.
 */
public final class PrintableText {

    /** The bound on a stream id, in UTF-8 bytes. */
    public static final int MAX_STREAM_ID_BYTES = 256;

    private PrintableText() {}

    /** @return null when the text is a valid id of at most maxBytes UTF-8 bytes, else why not */
    public static String problem(String field, String text, int maxBytes) {
        if (text == null || text.isBlank()) {
            return field + " is missing or empty";
        }
        // a UTF-8 character takes at most 3 bytes per UTF-16 unit: count exactly only when that could matter
        if (text.length() * 3L > maxBytes) {
            int bytes = text.getBytes(StandardCharsets.UTF_8).length;
            if (bytes > maxBytes) {
                return field + " of " + bytes + " bytes exceeds the limit of " + maxBytes + " bytes";
            }
        }
        for (int i = 0; i < text.length(); ) {
            int codePoint = text.codePointAt(i);
            if (!printable(codePoint)) {
                return field + " holds the unprintable character U+" + String.format("%04X", codePoint) + " at index " + i;
            }
            i += Character.charCount(codePoint);
        }
        return null;
    }

    static boolean printable(int codePoint) {
        if (codePoint == ' ') {
            return true;
        }
        return switch (Character.getType(codePoint)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE, Character.UNASSIGNED,
                 Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> false;
            default -> true;
        };
    }

    /** The text with every unprintable character written as a \\uXXXX escape, for output to a terminal. */
    public static String escaped(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); ) {
            int codePoint = text.codePointAt(i);
            int next = i + Character.charCount(codePoint);
            if (!printable(codePoint)) {
                if (out == null) {
                    out = new StringBuilder(text.length() + 16).append(text, 0, i);
                }
                for (char c : Character.toChars(codePoint)) {
                    out.append(String.format("\\u%04x", (int) c));
                }
            } else if (out != null) {
                out.append(text, i, next);
            }
            i = next;
        }
        return out == null ? text : out.toString();
    }
}
