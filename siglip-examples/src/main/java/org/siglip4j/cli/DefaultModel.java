package org.siglip4j.cli;

import org.siglip4j.core.SiglipException;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The model the commands use when {@code --model} is not given: the small SigLIP trained from
 * scratch on Fashion-MNIST and MNIST by {@code siglip train-demo} (docs/demo.md), shipped inside
 * this module as a resource. From a build folder it is used in place; from a jar it is unpacked
 * once into {@code ~/.cache/siglip4j/default-model/<hash>/} (atomically: a half-unpacked copy is
 * never used).
 */
public final class DefaultModel {
    /** Classpath folder of the shipped model. */
    public static final String RESOURCE = "/org/siglip4j/examples/default-model/";
    private static final String INDEX = "files.txt";

    private DefaultModel() {}

    /**
     * The default model folder, if this build ships one.
     *
     * @return the folder (config.json, model.safetensors, tokenizer and preprocessor files)
     */
    public static Optional<Path> path() {
        URL index = DefaultModel.class.getResource(RESOURCE + INDEX);
        if (index == null) {
            return Optional.empty();
        }
        try {
            if ("file".equals(index.getProtocol())) {
                return Optional.of(Path.of(index.toURI()).getParent());
            }
            return Optional.of(unpack(index));
        } catch (IOException | URISyntaxException e) {
            throw new SiglipException("cannot unpack the default model: " + e.getMessage(), e);
        }
    }

    private static Path unpack(URL index) throws IOException {
        byte[] listing;
        try (InputStream in = index.openStream()) {
            listing = in.readAllBytes();
        }
        List<String> files = new String(listing, StandardCharsets.UTF_8).lines()
                .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        // The index lists every file with its size and sha256, so the hash names the content.
        Path root = Path.of(System.getProperty("user.home"), ".cache", "siglip4j", "default-model");
        Path target = root.resolve(sha256(listing).substring(0, 16));
        if (Files.isRegularFile(target.resolve(".complete"))) {
            return target;
        }
        Files.createDirectories(root);
        Path tmp = Files.createTempDirectory(root, ".unpack-");
        for (String line : files) {
            String name = line.split("\\s+")[0];
            if (name.contains("/") || name.contains("\\") || name.startsWith(".")) {
                throw new SiglipException("bad file name in the default model index: " + name);
            }
            try (InputStream in = DefaultModel.class.getResourceAsStream(RESOURCE + name)) {
                if (in == null) {
                    throw new SiglipException("the default model is incomplete: " + name + " is missing from the jar");
                }
                Files.copy(in, tmp.resolve(name));
            }
        }
        Files.writeString(tmp.resolve(".complete"), "");
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // Another process unpacked it first: use theirs.
            if (!Files.isRegularFile(target.resolve(".complete"))) {
                throw e;
            }
        }
        return target;
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
