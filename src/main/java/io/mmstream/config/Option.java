package io.mmstream.config;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * One typed configuration key with its default and description.
 *
 * @param parse turns the raw text into a value, or throws IllegalArgumentException with the reason
 */
public record Option<T>(String key, String defaultText, String description, Function<String, T> parse) {

    public static Option<String> string(String key, String defaultText, String description) {
        return new Option<>(key, defaultText, description, text -> {
            if (text.isBlank()) {
                throw new IllegalArgumentException("must not be empty");
            }
            return text.trim();
        });
    }

    /** A text that may be empty (then the feature it names is left to its own default). */
    public static Option<String> optionalString(String key, String description) {
        return new Option<>(key, "", description, String::trim);
    }

    public static Option<Integer> intInRange(String key, int defaultValue, int min, int max, String description) {
        return new Option<>(key, Integer.toString(defaultValue), description, text -> {
            int value;
            try {
                value = Integer.parseInt(text.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("must be a whole number");
            }
            if (value < min || value > max) {
                throw new IllegalArgumentException("must be between " + min + " and " + max);
            }
            return value;
        });
    }

    public static Option<Boolean> bool(String key, boolean defaultValue, String description) {
        return new Option<>(key, Boolean.toString(defaultValue), description, text -> switch (text.trim()) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("must be true or false");
        });
    }

    /** A comma-separated list (or YAML list) of distinct names of letters, digits, '_', '-' and '.'; empty allowed. */
    public static Option<List<String>> names(String key, String description) {
        return new Option<>(key, "", description, text -> {
            List<String> names = java.util.Arrays.stream(text.split(",")).map(String::trim).filter(name -> !name.isEmpty()).toList();
            if (!names.stream().allMatch(name -> name.matches("[A-Za-z0-9_.-]+")) || names.size() != new java.util.HashSet<>(names).size()) {
                throw new IllegalArgumentException("must be a comma-separated list of distinct model names (letters, digits, _ - .)");
            }
            return names;
        });
    }

    /** Distinct texts, comma-separated (or a YAML list), each trimmed; none empty. */
    public static Option<List<String>> texts(String key, String defaultText, String description) {
        return new Option<>(key, defaultText, description, text -> {
            List<String> texts = java.util.Arrays.stream(text.split(",")).map(String::trim).toList();
            if (text.isBlank()) {
                return List.of();
            }
            if (texts.stream().anyMatch(String::isEmpty) || texts.size() != new java.util.HashSet<>(texts).size()) {
                throw new IllegalArgumentException("must be a comma-separated list (or a YAML list) of distinct, non-empty texts without commas");
            }
            return texts;
        });
    }

    /** A number from 0 to 1. */
    public static Option<Double> fraction(String key, String defaultText, String description) {
        return new Option<>(key, defaultText, description, text -> {
            double value;
            try {
                value = Double.parseDouble(text.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("must be a number from 0 to 1");
            }
            if (!(value >= 0 && value <= 1)) {
                throw new IllegalArgumentException("must be a number from 0 to 1");
            }
            return value;
        });
    }

    /** A duration such as 250ms, 2s, 1min or 1h; zero only where allowZero. */
    public static Option<Duration> duration(String key, String defaultText, boolean allowZero, String description) {
        return new Option<>(key, defaultText, description, text -> {
            Duration value = parseDuration(text);
            if (value.isNegative() || (!allowZero && value.isZero())) {
                throw new IllegalArgumentException(allowZero ? "must not be negative" : "must be a positive duration");
            }
            return value;
        });
    }

    public static <E extends Enum<E>> Option<E> choice(String key, E defaultValue, Class<E> type, String description) {
        return new Option<>(key, wireName(defaultValue), description, text -> {
            for (E constant : type.getEnumConstants()) {
                if (wireName(constant).equals(text.trim())) {
                    return constant;
                }
            }
            throw new IllegalArgumentException("must be one of " + List.of(type.getEnumConstants()).stream().map(Option::wireName).toList());
        });
    }

    /** EXACTLY_ONCE is written exactly-once in files. */
    public static String wireName(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static Duration parseDuration(String text) {
        String trimmed = text.trim().toLowerCase(Locale.ROOT);
        int unitStart = 0;
        while (unitStart < trimmed.length() && (Character.isDigit(trimmed.charAt(unitStart)) || trimmed.charAt(unitStart) == '-')) {
            unitStart++;
        }
        String number = trimmed.substring(0, unitStart);
        String unit = trimmed.substring(unitStart).trim();
        long amount;
        try {
            amount = Long.parseLong(number);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("must be a duration such as 250ms, 2s, 1min or 1h");
        }
        return switch (unit) {
            case "us" -> Duration.ofNanos(amount * 1000);
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "min" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> throw new IllegalArgumentException("must be a duration such as 250ms, 2s, 1min or 1h (unit us, ms, s, min or h)");
        };
    }
}
