package org.siglip4j.core.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.function.Function;
import org.siglip4j.core.SiglipException;

/**
 * Reads the JSON files of a model folder ({@code config.json}, {@code preprocessor_config.json}):
 * given a folder or the file itself, with one error line when the file is missing or unreadable.
 */
public final class ConfigFiles {
    private ConfigFiles() {}

    /**
     * The file a path names: the path itself, or {@code fileName} inside it when it is a folder.
     *
     * @param fileOrDir the file, or a model folder
     * @param fileName the file's name in a model folder
     * @return the file
     */
    public static Path locate(Path fileOrDir, String fileName) {
        return Files.isDirectory(fileOrDir) ? fileOrDir.resolve(fileName) : fileOrDir;
    }

    /**
     * Reads a file's text (UTF-8).
     *
     * @param file the file
     * @param what what the file is, for the message when it does not exist
     * @return the text
     * @throws SiglipException "WHAT not found: FILE", or "cannot read FILE: ..."
     */
    public static String read(Path file, String what) {
        try {
            return Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new SiglipException(what + " not found: " + file);
        } catch (IOException e) {
            throw new SiglipException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads and parses a {@code config.json}-like file, naming the file in a parse error.
     *
     * @param fileOrDir the file, or a model folder holding {@code fileName}
     * @param fileName the file's name in a model folder (also what it is, in messages)
     * @param parser the parser of the file's text
     * @param <T> what the parser returns
     * @return the parsed value
     * @throws SiglipException if the file is missing or unreadable, or "FILE: " and the parser's message
     */
    public static <T> T parse(Path fileOrDir, String fileName, Function<String, T> parser) {
        Path file = locate(fileOrDir, fileName);
        String text = read(file, fileName);
        try {
            return parser.apply(text);
        } catch (SiglipException e) {
            throw new SiglipException(file + ": " + e.getMessage(), e);
        }
    }
}
