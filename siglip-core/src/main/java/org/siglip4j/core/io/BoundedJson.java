package org.siglip4j.core.io;

import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import java.io.IOException;
import java.io.StringReader;
import org.siglip4j.core.SiglipException;

/**
 * Parses the JSON files siglip4j reads ({@code config.json}, {@code tokenizer.json},
 * {@code tokenizer_config.json}, {@code preprocessor_config.json}, indexes, manifest lines) with a
 * bound on nesting depth. Gson builds and copies trees recursively, so a file of a few hundred KB
 * of {@code [[[[...} would otherwise end in a {@link StackOverflowError} rather than an error
 * naming the file. No file of the formats siglip4j reads nests deeper than about ten levels.
 */
public final class BoundedJson {
    /** Deepest nesting of arrays and objects accepted. */
    public static final int MAX_DEPTH = 64;

    private BoundedJson() {}

    /**
     * Parses JSON text (leniently, as {@link JsonParser#parseString} does) after checking its depth
     * with an iterative scan.
     *
     * @param text the JSON text
     * @param source the file (or line) for messages
     * @return the element
     * @throws SiglipException if the text nests deeper than {@link #MAX_DEPTH} or is not JSON
     */
    public static JsonElement parse(String text, String source) {
        checkDepth(text, source);
        try {
            return JsonParser.parseString(text);
        } catch (JsonParseException | IllegalStateException e) {
            throw new SiglipException(source + " is not valid JSON: " + firstLine(e), e);
        }
    }

    /**
     * The first line of a parser's message without Gson's troubleshooting link, so the error a user
     * sees stays one line.
     */
    public static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        m = nl >= 0 ? m.substring(0, nl) : m;
        int see = m.indexOf(" See https://");
        return see >= 0 ? m.substring(0, see) : m;
    }

    /**
     * Throws if {@code text} nests arrays/objects deeper than {@link #MAX_DEPTH}. Syntax errors are
     * left to the parser (they lie past a point the scan found shallow enough).
     */
    static void checkDepth(String text, String source) {
        JsonReader r = new JsonReader(new StringReader(text));
        r.setStrictness(Strictness.LENIENT);
        int depth = 0;
        try {
            while (true) {
                switch (r.peek()) {
                    case BEGIN_ARRAY, BEGIN_OBJECT -> {
                        if (++depth > MAX_DEPTH) {
                            throw new SiglipException(source + ": JSON nests deeper than " + MAX_DEPTH
                                    + " levels (at " + r.getPath() + "); not a file siglip4j reads");
                        }
                        if (r.peek() == com.google.gson.stream.JsonToken.BEGIN_ARRAY) {
                            r.beginArray();
                        } else {
                            r.beginObject();
                        }
                    }
                    case END_ARRAY -> {
                        depth--;
                        r.endArray();
                    }
                    case END_OBJECT -> {
                        depth--;
                        r.endObject();
                    }
                    case NAME -> r.nextName();
                    case END_DOCUMENT -> {
                        return;
                    }
                    default -> r.skipValue();
                }
            }
        } catch (IOException | JsonParseException | IllegalStateException e) {
            // malformed: the parser reports it with its own message
        }
    }
}
