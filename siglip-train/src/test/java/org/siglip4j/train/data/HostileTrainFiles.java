package org.siglip4j.train.data;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.siglip4j.core.fuzz.HostileKind;

/**
 * Structure-aware generators of hostile training inputs for {@link org.siglip4j.core.fuzz.FuzzRunner}:
 * JSON Lines and CSV manifests built line by line and field by field, and WebDataset tar shards
 * built header by header (names, sizes, type flags, checksums that lie; truncated data; PAX and
 * GNU long-name records).
 */
public final class HostileTrainFiles {
    private HostileTrainFiles() {}

    /** The kinds, for {@code FuzzRunner --kinds}. */
    public static List<HostileKind> kinds() {
        return List.of(new JsonLines(), new Csv(), new TarShard());
    }

    static final String[] PATHS = {"a.png", "b.png", "sub/c.png", "missing.png", "", "..", "../a.png", "/etc/passwd",
        "a\u0000.png", "sub", "a.png/..", "C:\\\\x.png", "%2e%2e", "🙂.png"};
    static final String[] TEXTS = {"a red square", "", "   ", "café", "🙂", "line\\nbreak", "\\u0000", "x".repeat(5000)};

    static String pick(Random r, String[] a) {
        return a[r.nextInt(a.length)];
    }

    static String deep(Random r) {
        int n = new int[] {2, 64, 65, 10_000}[r.nextInt(4)];
        return "[".repeat(n) + "\"x\"" + "]".repeat(n);
    }

    /** Sets up the images a manifest may name. */
    static void images(Path work) throws java.io.IOException {
        if (!Files.exists(work.resolve("a.png"))) {
            Files.createDirectories(work.resolve("sub"));
            for (String f : List.of("a.png", "b.png", "sub/c.png")) {
                Files.write(work.resolve(f), new byte[] {1, 2, 3});
            }
        }
    }

    /** Writes a hostile manifest next to the images it may name and reads it. */
    static void readManifest(byte[] input, Path manifest) throws java.io.IOException {
        images(manifest.getParent());
        Files.write(manifest, input);
        ManifestReader.read(manifest);
    }

    /** Manifest lines as JSON objects whose fields have every type, depth and size. */
    static final class JsonLines implements HostileKind {
        @Override
        public String name() {
            return "manifest.jsonl";
        }

        static String jsonValue(Random r) {
            return switch (r.nextInt(8)) {
                case 0 -> "\"" + pick(r, TEXTS) + "\"";
                case 1 -> "[\"" + pick(r, TEXTS) + "\", \"" + pick(r, TEXTS) + "\"]";
                case 2 -> deep(r);
                case 3 -> pick(r, new String[] {"null", "1", "1e309", "true", "{}", "[]", "[null]", "[[\"x\"]]"});
                default -> "\"" + pick(r, TEXTS) + "\"";
            };
        }

        @Override
        public byte[] generate(Random r) {
            StringBuilder sb = new StringBuilder();
            int lines = new int[] {0, 1, 3, 20, 2_000}[r.nextInt(5)];
            for (int i = 0; i < lines; i++) {
                switch (r.nextInt(12)) {
                    case 0 -> sb.append(deep(r));
                    case 1 -> sb.append("{\"image\": \"a.png\", \"text\": ");
                    case 2 -> sb.append("");
                    default -> {
                        sb.append('{');
                        if (r.nextInt(8) != 0) {
                            sb.append("\"image\": ").append(r.nextInt(6) == 0 ? jsonValue(r) : "\"" + pick(r, PATHS) + "\"")
                                    .append(", ");
                        }
                        sb.append('"').append(r.nextBoolean() ? "text" : "captions").append("\": ").append(jsonValue(r));
                        sb.append('}');
                    }
                }
                sb.append(r.nextInt(20) == 0 ? "\r\n" : "\n");
            }
            byte[] b = sb.toString().getBytes(StandardCharsets.UTF_8);
            if (r.nextInt(10) == 0 && b.length > 0) {
                b[r.nextInt(b.length)] = (byte) 0xC3; // broken UTF-8
            }
            return b;
        }

        @Override
        public void run(byte[] input, Path work) throws Exception {
            readManifest(input, work.resolve("m.jsonl"));
        }
    }

    /** CSV manifests: headers missing, repeated or reordered; quoting broken; fields of every size. */
    static final class Csv implements HostileKind {
        @Override
        public String name() {
            return "manifest.csv";
        }

        @Override
        public byte[] generate(Random r) {
            StringBuilder sb = new StringBuilder();
            String[][] headers = {{"image", "text"}, {"text", "image", "x"}, {"image"}, {"image", "image", "text"}, {}, {"img", "txt"}};
            String[] h = headers[r.nextInt(headers.length)];
            sb.append(String.join(r.nextInt(10) == 0 ? ";" : ",", h)).append('\n');
            int rows = new int[] {0, 1, 5, 1_000}[r.nextInt(4)];
            for (int i = 0; i < rows; i++) {
                int fields = r.nextInt(10) == 0 ? r.nextInt(6) : Math.max(1, h.length);
                for (int f = 0; f < fields; f++) {
                    String v = f == 0 ? pick(r, PATHS) : pick(r, TEXTS);
                    switch (r.nextInt(8)) {
                        case 0 -> sb.append('"').append(v).append(r.nextBoolean() ? "\"" : ""); // maybe unterminated
                        case 1 -> sb.append('"').append(v.replace("\"", "\"\"")).append("\"x");
                        default -> sb.append(v.replace(",", " "));
                    }
                    sb.append(f + 1 < fields ? "," : "");
                }
                sb.append(r.nextInt(15) == 0 ? "\r" : "\n");
            }
            return sb.toString().getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public void run(byte[] input, Path work) throws Exception {
            readManifest(input, work.resolve("m.csv"));
        }
    }

    /** Tar shards header by header, read through {@link WebDatasetReader}. */
    static final class TarShard implements HostileKind {
        private static final String[] NAMES = {"0001.jpg", "0001.txt", "0002.png", "0002.txt", "../escape.txt",
            "/abs.txt", "a/../../b.txt", "dir/", ".complete", "x\u0000y.txt", "a".repeat(150) + ".txt", "0003.txt/x.jpg",
            "0003.txt", "0003.png"};

        @Override
        public String name() {
            return "tar";
        }

        static void octal(byte[] h, int off, int len, long v) {
            String s = Long.toOctalString(v);
            if (s.length() > len - 1) {
                s = s.substring(s.length() - (len - 1));
            }
            s = "0".repeat(len - 1 - s.length()) + s;
            System.arraycopy(s.getBytes(StandardCharsets.US_ASCII), 0, h, off, len - 1);
        }

        static void entry(ByteArrayOutputStream o, Random r, String name, byte type, byte[] data) {
            byte[] h = new byte[512];
            byte[] n = name.getBytes(StandardCharsets.UTF_8);
            System.arraycopy(n, 0, h, 0, Math.min(100, n.length));
            octal(h, 100, 8, 0644);
            octal(h, 108, 8, 0);
            octal(h, 116, 8, 0);
            long size = r.nextInt(15) == 0 ? new long[] {0, 1L << 33, 077777777777L, data.length + 1000}[r.nextInt(4)]
                    : data.length;
            octal(h, 124, 12, size);
            if (r.nextInt(30) == 0) {
                h[124] = (byte) 0x80; // base-256 size
                h[135] = (byte) r.nextInt(256);
            }
            octal(h, 136, 12, 0);
            h[156] = type;
            if (type == '1' || type == '2') {
                byte[] link = pick(r, new String[] {"/etc/passwd", "../x", "0001.txt"}).getBytes(StandardCharsets.UTF_8);
                System.arraycopy(link, 0, h, 157, Math.min(100, link.length));
            }
            System.arraycopy("ustar\u000000".getBytes(StandardCharsets.US_ASCII), 0, h, 257, 8);
            java.util.Arrays.fill(h, 148, 156, (byte) ' ');
            long sum = 0;
            for (byte b : h) {
                sum += b & 0xFF;
            }
            octal(h, 148, 7, r.nextInt(25) == 0 ? sum + 1 : sum);
            h[155] = ' ';
            o.writeBytes(h);
            int written = r.nextInt(20) == 0 ? r.nextInt(data.length + 1) : data.length;
            o.write(data, 0, written);
            o.writeBytes(new byte[(512 - written % 512) % 512]);
        }

        @Override
        public byte[] generate(Random r) {
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            int entries = new int[] {0, 1, 4, 10, 300}[r.nextInt(5)];
            for (int i = 0; i < entries; i++) {
                byte type = (byte) pick(r, new String[] {"0", "0", "0", "0", "5", "1", "2", "x", "L", "S", "3", "g"}).charAt(0);
                String name = r.nextInt(3) == 0 ? pick(r, NAMES) : String.format("%04d.%s", i / 2, i % 2 == 0 ? "jpg" : "txt");
                byte[] data = switch (type) {
                    case 'x', 'g' -> ("30 path=" + pick(r, NAMES) + "\n" + (r.nextBoolean() ? "99999999999 size=1\n" : ""))
                            .getBytes(StandardCharsets.UTF_8);
                    case 'L' -> pick(r, NAMES).getBytes(StandardCharsets.UTF_8);
                    default -> name.endsWith(".txt") ? pick(r, TEXTS).getBytes(StandardCharsets.UTF_8)
                            : new byte[r.nextInt(64)];
                };
                entry(o, r, name, type, data);
            }
            if (r.nextBoolean()) {
                o.writeBytes(new byte[1024]);
            }
            byte[] b = o.toByteArray();
            return r.nextInt(10) == 0 && b.length > 0 ? java.util.Arrays.copyOf(b, r.nextInt(b.length)) : b;
        }

        @Override
        public void run(byte[] input, Path work) throws Exception {
            Path shard = work.resolve("shard.tar");
            Files.write(shard, input);
            Path out = work.resolve("out");
            try {
                PairDataset d = WebDatasetReader.read(shard, out);
                for (ImageTextPair p : d.pairs()) {
                    if (!p.image().toAbsolutePath().normalize().startsWith(out.toAbsolutePath().normalize())) {
                        throw new IllegalStateException("a pair's image lies outside the extraction folder: " + p.image());
                    }
                }
            } finally {
                // each case unpacks afresh (the .complete marker would skip it otherwise)
                if (Files.exists(out)) {
                    try (var s = Files.walk(out)) {
                        for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                            Files.delete(p);
                        }
                    }
                }
            }
        }
    }
}
