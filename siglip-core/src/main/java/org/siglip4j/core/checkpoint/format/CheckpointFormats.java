package org.siglip4j.core.checkpoint.format;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.io.AtomicFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which layout a model folder (or file) is in, and its Hugging Face form.
 *
 * <p>{@link #asHuggingFace} is what the loaders call: an HF folder is returned as it is; any other
 * layout is converted once into a cache folder ({@code siglip4j.cache} system property, else
 * {@code SIGLIP4J_CACHE}, else {@code ~/.cache/siglip4j}; under {@code converted/}, keyed by the
 * source's path, sizes and modification times), so pipelines, trainer and evaluators read it as
 * any HF SigLIP.
 */
public final class CheckpointFormats {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointFormats.class);
    /** System property naming siglip4j's cache folder. */
    public static final String CACHE_PROPERTY = "siglip4j.cache";
    /** Marker written last into a finished conversion. */
    static final String COMPLETE = ".siglip4j-converted";

    /** The layouts read. */
    public enum Format {
        /** Hugging Face transformers: {@code config.json} with {@code model_type} + safetensors. */
        HUGGING_FACE,
        /** open_clip: {@code open_clip_config.json} + {@code open_clip_model.safetensors}. */
        OPEN_CLIP,
        /** timm image tower: {@code config.json} with {@code architecture} + {@code model.safetensors}. */
        TIMM,
        /** big_vision: a {@code .npz} parameter tree. */
        BIG_VISION;

        /** The name used on the command line ({@code hf}, {@code open_clip}, {@code timm}, {@code big_vision}). */
        public String cliName() {
            return this == HUGGING_FACE ? "hf" : name().toLowerCase(Locale.ROOT);
        }
    }

    private CheckpointFormats() {}

    /**
     * The layout of a folder or file.
     *
     * @param path a model folder or a {@code .npz} file
     * @return the layout
     * @throws SiglipException naming the files looked for when it is none of them
     */
    public static Format detect(Path path) {
        if (Files.isDirectory(path)) {
            // a folder with several layouts: HF's own first, then the two-tower open_clip model
            // over a timm config of its image tower alone
            boolean timm = TimmFormat.matches(path);
            if (!timm && Files.isRegularFile(path.resolve("config.json"))) {
                return Format.HUGGING_FACE;
            }
            if (OpenClipFormat.matches(path)) {
                return Format.OPEN_CLIP;
            }
            if (timm) {
                return Format.TIMM;
            }
        }
        if (BigVisionFormat.npzOf(path) != null) {
            return Format.BIG_VISION;
        }
        throw new SiglipException(path + " is none of the checkpoint layouts siglip4j reads; looked for "
                + "config.json with model_type (Hugging Face) or with architecture (timm), "
                + OpenClipFormat.CONFIG + " (open_clip) and a .npz file (big_vision)");
    }

    private static boolean isAnyLayout(Path dir) {
        try {
            detect(dir);
            return true;
        } catch (SiglipException e) {
            return false;
        }
    }

    /**
     * Reads a non-HF layout as an HF SigLIP (nothing is written).
     *
     * @param path the folder or file
     * @return the checkpoint
     * @throws SiglipException for an HF folder (read it directly) or an unknown layout
     */
    public static ForeignCheckpoint read(Path path) {
        return switch (detect(path)) {
            case OPEN_CLIP -> OpenClipFormat.read(path);
            case TIMM -> TimmFormat.read(path);
            case BIG_VISION -> BigVisionFormat.read(path);
            case HUGGING_FACE -> throw new SiglipException(path + " is already a Hugging Face folder");
        };
    }

    /**
     * The Hugging Face folder of a model in any layout read here: the folder itself when it is one,
     * else its conversion (made on first use, then reused while the source is unchanged).
     *
     * @param path a model folder or a {@code .npz} file
     * @return an HF folder
     */
    public static Path asHuggingFace(Path path) {
        return asHuggingFace(path, null);
    }

    /**
     * {@link #asHuggingFace(Path)} for an open_clip folder without tokenizer files whose tokenizer
     * was fetched from the hub repo its {@code hf_tokenizer_name} names.
     *
     * @param path a model folder or a {@code .npz} file
     * @param tokenizerDir the folder holding that tokenizer's files, or null
     * @return an HF folder
     */
    public static Path asHuggingFace(Path path, Path tokenizerDir) {
        if (Files.isDirectory(path) && !isAnyLayout(path)) {
            return path; // the HF loaders say what an HF folder lacks
        }
        Format f = detect(path);
        if (f == Format.HUGGING_FACE) {
            return path;
        }
        Path tok = f == Format.OPEN_CLIP ? tokenizerDir : null;
        Path target = cacheRoot().resolve("converted").resolve(f.cliName() + "-"
                + (tok == null ? key(path) : key(path) + "-" + key(tok).substring(0, 8)));
        if (Files.isRegularFile(target.resolve(COMPLETE))) {
            return target;
        }
        ForeignCheckpoint c = tok == null ? read(path) : OpenClipFormat.read(path, tok);
        LOG.info("converting the {} checkpoint {} to a Hugging Face folder in {}", f.cliName(), path, target);
        writeAtomically(target, c::writeHuggingFace);
        return target;
    }

    /**
     * Writes a model of any layout read here as a folder of another layout.
     *
     * @param model the model folder or file
     * @param to {@code HUGGING_FACE} or {@code OPEN_CLIP}
     * @param out the destination folder (must not exist or be empty)
     * @param tokenizerName for open_clip: the hub repo named as {@code hf_tokenizer_name} (the
     *     model's hub id when it came from the hub; open_clip's {@code local-dir:} loading reads the
     *     folder's own tokenizer files whatever it says)
     */
    public static void convert(Path model, Format to, Path out, String tokenizerName) {
        try {
            if (Files.isDirectory(out)) {
                try (Stream<Path> s = Files.list(out)) {
                    if (s.findAny().isPresent()) {
                        throw new SiglipException(out + " is not empty; give a new or empty folder");
                    }
                }
            }
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new SiglipException("cannot create " + out + ": " + e.getMessage(), e);
        }
        Path hf = asHuggingFace(model);
        switch (to) {
            case HUGGING_FACE -> copyFolder(hf, out);
            case OPEN_CLIP -> OpenClipFormat.write(hf, out, tokenizerName);
            default -> throw new SiglipException("cannot write the " + to.cliName() + " layout; targets: hf, open_clip");
        }
    }

    private static void copyFolder(Path from, Path to) {
        try (Stream<Path> s = Files.list(from)) {
            for (Path p : s.toList()) {
                if (Files.isRegularFile(p) && !p.getFileName().toString().equals(COMPLETE)) {
                    Files.copy(p, to.resolve(p.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new SiglipException("cannot copy " + from + " to " + to + ": " + e.getMessage(), e);
        }
    }

    /** Writes into a sibling temporary folder and renames it, so no half-written conversion is ever found. */
    private static void writeAtomically(Path target, java.util.function.Consumer<Path> writer) {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-"
                + System.nanoTime());
        try {
            Files.createDirectories(tmp);
            writer.accept(tmp);
            AtomicFiles.write(tmp.resolve(COMPLETE), new byte[0]);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                if (!Files.isRegularFile(target.resolve(COMPLETE))) { // another process may have finished first
                    throw e;
                }
            }
        } catch (IOException e) {
            throw new SiglipException("cannot write the converted model to " + target + ": " + e.getMessage(), e);
        } finally {
            deleteTree(tmp);
        }
    }

    private static void deleteTree(Path p) {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        } catch (IOException e) {
            LOG.warn("could not remove {}: {}", p, e.getMessage());
        }
    }

    /** siglip4j's cache folder. */
    public static Path cacheRoot() {
        String p = System.getProperty(CACHE_PROPERTY);
        if (p == null || p.isBlank()) {
            p = System.getenv("SIGLIP4J_CACHE");
        }
        if (p == null || p.isBlank()) {
            return Path.of(System.getProperty("user.home"), ".cache", "siglip4j");
        }
        return Path.of(p);
    }

    /** A hash of the source's absolute path and every file's name, size and modification time. */
    static String key(Path path) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            Path abs = path.toAbsolutePath().normalize();
            md.update(abs.toString().getBytes(StandardCharsets.UTF_8));
            List<Path> files;
            if (Files.isDirectory(abs)) {
                try (Stream<Path> s = Files.list(abs)) {
                    files = s.filter(Files::isRegularFile).sorted().toList();
                }
            } else {
                files = List.of(abs);
            }
            for (Path f : files) {
                md.update((f.getFileName() + "\0" + Files.size(f) + "\0" + Files.getLastModifiedTime(f).toMillis()
                        + "\n").getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(md.digest()).substring(0, 16);
        } catch (IOException e) {
            throw new SiglipException("cannot read " + path + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
