package org.siglip4j.train.data;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.siglip4j.core.SiglipException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Reads WebDataset-style samples: files grouped by key, {@code KEY.jpg} (or png, jpeg, webp, bmp)
 * with {@code KEY.txt} holding the caption (one caption per non-blank line), in a folder or in
 * {@code .tar} shards. Tar shards are unpacked once into a folder the caller names, entry names
 * checked so that nothing is written outside it.
 */
public final class WebDatasetReader {
    private static final Set<String> IMAGE_EXT = Set.of("jpg", "jpeg", "png", "bmp", "gif", "webp");

    private WebDatasetReader() {}

    /**
     * Reads a folder of samples, or a folder of {@code .tar} shards, or one {@code .tar} shard.
     *
     * @param source a folder or a tar file
     * @param extractTo where tar shards are unpacked (one sub-folder per shard)
     */
    public static PairDataset read(Path source, Path extractTo) {
        try {
            if (Files.isRegularFile(source) && source.toString().endsWith(".tar")) {
                return readFolder(extract(source, extractTo));
            }
            if (!Files.isDirectory(source)) {
                throw new SiglipException("WebDataset source not found: " + source);
            }
            List<Path> shards;
            try (Stream<Path> s = Files.list(source)) {
                shards = s.filter(p -> p.toString().endsWith(".tar")).sorted().toList();
            }
            if (shards.isEmpty()) {
                return readFolder(source);
            }
            List<ImageTextPair> pairs = new ArrayList<>();
            List<String> skipped = new ArrayList<>();
            for (Path shard : shards) {
                PairDataset d = readFolder(extract(shard, extractTo));
                pairs.addAll(d.pairs());
                d.skipped().forEach(x -> skipped.add(shard.getFileName() + ": " + x));
            }
            return new PairDataset(pairs, skipped);
        } catch (IOException e) {
            throw new SiglipException("cannot read WebDataset " + source + ": " + e.getMessage(), e);
        } catch (SiglipException e) {
            throw e;
        } catch (RuntimeException e) {
            // a hostile tar header (a NUL in a name, a corrupt number) surfaces as an unchecked exception
            throw new SiglipException("cannot read WebDataset " + source + ": " + e, e);
        }
    }

    private static PairDataset readFolder(Path dir) throws IOException {
        Map<String, Path> images = new TreeMap<>();
        Map<String, Path> texts = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                String rel = dir.relativize(p).toString();
                int dot = rel.indexOf('.', rel.lastIndexOf('/') + 1);
                if (dot < 0) {
                    continue;
                }
                String key = rel.substring(0, dot);
                String ext = rel.substring(dot + 1).toLowerCase(Locale.ROOT);
                if (IMAGE_EXT.contains(ext)) {
                    images.put(key, p);
                } else if (ext.equals("txt")) {
                    texts.put(key, p);
                }
            }
        }
        List<ImageTextPair> pairs = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (Map.Entry<String, Path> e : images.entrySet()) {
            Path txt = texts.get(e.getKey());
            if (txt == null) {
                skipped.add(e.getKey() + ": no caption file");
                continue;
            }
            List<String> caps = Files.readAllLines(txt, StandardCharsets.UTF_8).stream()
                    .filter(l -> !l.isBlank()).map(String::strip).toList();
            if (caps.isEmpty()) {
                skipped.add(e.getKey() + ": empty caption");
            } else {
                pairs.add(new ImageTextPair(e.getValue(), caps));
            }
        }
        texts.keySet().stream().filter(k -> !images.containsKey(k))
                .forEach(k -> skipped.add(k + ": caption without image"));
        return new PairDataset(pairs, skipped);
    }

    /** A name from a file (tar entry, CSV header) with its control characters escaped, so that an error stays one line. */
    static String printable(String name) {
        StringBuilder sb = new StringBuilder();
        name.chars().forEach(c -> sb.append(c < 0x20 || c == 0x7F ? String.format("\\u%04x", c) : String.valueOf((char) c)));
        return sb.toString();
    }

    private static Path extract(Path tar, Path extractTo) throws IOException {
        String shardName = tar.getFileName().toString().replaceAll("\\.tar$", "");
        Path target = extractTo.resolve(shardName).toAbsolutePath().normalize();
        Path done = target.resolve(".complete");
        if (Files.exists(done)) {
            return target;
        }
        Files.createDirectories(target);
        try (InputStream in = Files.newInputStream(tar); TarArchiveInputStream t = new TarArchiveInputStream(in)) {
            TarArchiveEntry entry;
            while ((entry = t.getNextEntry()) != null) {
                if (!entry.isFile()) {
                    continue;
                }
                if (entry.isSparse()) {
                    // a sparse entry may claim terabytes of zeros that the shard does not hold
                    throw new SiglipException("tar shard " + tar + " has a sparse entry, which WebDataset shards never"
                            + " have: " + printable(entry.getName()));
                }
                Path out = target.resolve(entry.getName()).normalize();
                if (!out.startsWith(target) || entry.getName().startsWith("/")) {
                    throw new SiglipException("tar shard " + tar + " has an entry outside its folder: "
                            + printable(entry.getName()));
                }
                if (out.equals(done)) {
                    continue; // the marker is ours: a shard must not be able to declare itself unpacked
                }
                Files.createDirectories(out.getParent());
                Files.copy(t, out, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        // Marks the shard as fully unpacked, so an interrupted extraction is redone, not trusted.
        Files.writeString(done, "");
        return target;
    }
}
