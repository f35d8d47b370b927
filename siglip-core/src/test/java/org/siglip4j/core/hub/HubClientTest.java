package org.siglip4j.core.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.testing.Fixtures;

/** Downloads from a local fake hub (127.0.0.1 only) and checks the cache it leaves. */
@Timeout(60)
class HubClientTest {
    static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
    static final String REPO = "google/siglip-tiny";
    static final List<String> FILES = List.of("config.json", "preprocessor_config.json", "tokenizer_config.json",
            "special_tokens_map.json", "spiece.model", "tokenizer.json", "model.safetensors");

    @TempDir
    Path tmp;
    FakeHub hub;
    Path cache;

    @BeforeEach
    void start() throws IOException {
        hub = new FakeHub();
        hub.addRepo(REPO, new FakeHub.Repo(COMMIT).putFrom(Fixtures.dir(), FILES.toArray(String[]::new)));
        cache = tmp.resolve("hub-cache");
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    HubConfig config() {
        return new HubConfig(hub.endpoint(), null, cache, false, Duration.ofSeconds(5));
    }

    ModelLocator locator(HubConfig c) {
        return new ModelLocator(c);
    }

    Path storage() {
        return cache.resolve("models--google--siglip-tiny");
    }

    @Test
    void firstDownloadFillsTheCacheLikePython() throws IOException {
        AtomicLong safetensorsDone = new AtomicLong();
        Path snap = locator(config()).download(REPO, null, (f, done, total) -> {
            if (f.equals("model.safetensors")) {
                assertTrue(done <= total, "progress beyond the total");
                safetensorsDone.set(done);
            }
        });

        assertEquals(storage().resolve("snapshots").resolve(COMMIT), snap);
        assertEquals(Set.of("blobs", "snapshots", "refs"), list(storage()));
        assertEquals(Set.of("main"), list(storage().resolve("refs")));
        assertEquals(COMMIT, Files.readString(storage().resolve("refs/main")));
        assertEquals(Set.of(COMMIT), list(storage().resolve("snapshots")));
        assertEquals(new TreeSet<>(FILES), new TreeSet<>(list(snap)));

        Set<String> expectedBlobs = new TreeSet<>();
        for (String f : FILES) {
            byte[] want = Files.readAllBytes(Fixtures.file(f));
            String etag = f.equals("model.safetensors") ? FakeHub.sha256(want) : FakeHub.gitSha1(want);
            expectedBlobs.add(etag);
            Path p = snap.resolve(f);
            assertTrue(Files.isSymbolicLink(p), f + " should be a symlink");
            assertEquals(Path.of("../../blobs/" + etag), Files.readSymbolicLink(p), f + " link target");
            assertArrayEquals(want, Files.readAllBytes(p), f + " content");
        }
        assertEquals(expectedBlobs, new TreeSet<>(list(storage().resolve("blobs"))), "blobs (no .incomplete left)");
        assertEquals(Files.size(Fixtures.file("model.safetensors")), safetensorsDone.get());

        // metadata: LFS file via the CDN redirect, small file via ETag
        HubFileMetadata lfs = new HubClient(config()).fileMetadata(REPO, null, "model.safetensors");
        assertTrue(lfs.lfs());
        assertEquals(COMMIT, lfs.commitHash());
        assertEquals(Files.size(Fixtures.file("model.safetensors")), lfs.size().getAsLong());
        assertTrue(lfs.location().getPath().startsWith("/lfs/"), lfs.location().toString());
        HubFileMetadata small = new HubClient(config()).fileMetadata(REPO, "main", "config.json");
        assertFalse(small.lfs());
        assertEquals(Files.size(Fixtures.file("config.json")), small.size().getAsLong());
    }

    @Test
    void secondRunIsServedFromTheCache() {
        Path first = locator(config()).download(REPO);
        long gets = count("GET", null);
        assertEquals(FILES.size(), gets, "one GET per file the first time");

        hub.clearLog();
        assertEquals(first, locator(config()).download(REPO, COMMIT, DownloadListener.NONE));
        assertEquals(List.of(), hub.requests(), "a cached commit hash needs no request");

        assertEquals(first, locator(config().withOffline(true)).download(REPO));
        assertEquals(List.of(), hub.requests(), "offline mode makes no request");

        assertEquals(first, locator(config()).download(REPO));
        List<FakeHub.Request> r = hub.requests();
        assertEquals(1, r.size(), "a branch costs one HEAD to learn its commit: " + r);
        assertEquals("HEAD", r.get(0).method());
        assertTrue(r.get(0).path().endsWith("/resolve/main/config.json"));

        hub.close();
        assertEquals(first, locator(config().withOffline(true)).download(REPO), "offline with no server");
        assertEquals(first.resolve("config.json"),
                new HubClient(config()).cachedFile(REPO, "main", "config.json").orElseThrow());
    }

    @Test
    void cutDownloadIsResumedWithARangeRequest() throws IOException {
        hub.cutNextLfsGetAt(100_000);
        Path p = new HubClient(config()).download(REPO, "model.safetensors");
        assertArrayEquals(Files.readAllBytes(Fixtures.file("model.safetensors")), Files.readAllBytes(p));
        List<FakeHub.Request> lfs = hub.requests().stream()
                .filter(r -> r.method().equals("GET") && r.path().startsWith("/lfs/")).collect(Collectors.toList());
        assertEquals(2, lfs.size(), lfs.toString());
        assertNull(lfs.get(0).range());
        // The server sent 100000 bytes before closing; how many arrived before the reset depends
        // on timing, so the resume starts anywhere in (0, 100000] -- and the file must be exact.
        long from = Long.parseLong(lfs.get(1).range().replaceAll("bytes=(\\d+)-", "$1"));
        assertTrue(from > 0 && from <= 100_000, lfs.toString());
    }

    @Test
    void stalledDownloadTimesOutAndResumes() throws IOException {
        hub.stallNextLfsGet(20_000);
        HubConfig c = config().withTimeout(Duration.ofMillis(700));
        Path p = new HubClient(c).download(REPO, "model.safetensors");
        byte[] want = Files.readAllBytes(Fixtures.file("model.safetensors"));
        assertArrayEquals(want, Files.readAllBytes(p));
        List<FakeHub.Request> lfs = hub.requests().stream()
                .filter(r -> r.method().equals("GET") && r.path().startsWith("/lfs/")).collect(Collectors.toList());
        assertEquals(2, lfs.size(), lfs.toString());
        assertNull(lfs.get(0).range());
        // the second GET asks for the rest of what the stalled one delivered
        long from = Long.parseLong(lfs.get(1).range().replaceAll("bytes=(\\d+)-", "$1"));
        assertTrue(from > 0 && from <= want.length / 2, lfs.toString());
    }

    @Test
    void existingIncompleteFileIsResumed() throws IOException {
        byte[] want = Files.readAllBytes(Fixtures.file("model.safetensors"));
        String sha = FakeHub.sha256(want);
        Files.createDirectories(storage().resolve("blobs"));
        Files.write(storage().resolve("blobs/" + sha + ".incomplete"), Arrays.copyOf(want, 5000));

        Path p = new HubClient(config()).download(REPO, "model.safetensors");
        assertArrayEquals(want, Files.readAllBytes(p));
        List<FakeHub.Request> gets = hub.requests().stream().filter(r -> r.method().equals("GET"))
                .collect(Collectors.toList());
        assertEquals(1, gets.size(), gets.toString());
        assertEquals("bytes=5000-", gets.get(0).range());
        assertFalse(Files.exists(storage().resolve("blobs/" + sha + ".incomplete")));
    }

    @Test
    void corruptIncompleteFileFailsTheChecksumAndIsDeleted() throws IOException {
        byte[] want = Files.readAllBytes(Fixtures.file("model.safetensors"));
        String sha = FakeHub.sha256(want);
        Path part = storage().resolve("blobs/" + sha + ".incomplete");
        Files.createDirectories(part.getParent());
        Files.write(part, new byte[5000]); // zeros, not the file's first bytes

        SiglipException e = assertThrows(SiglipException.class,
                () -> new HubClient(config()).download(REPO, "model.safetensors"));
        assertTrue(e.getMessage().contains("corrupt") && e.getMessage().contains(sha), e.getMessage());
        assertFalse(Files.exists(part));
        // and the next run starts over and succeeds
        assertArrayEquals(want, Files.readAllBytes(new HubClient(config()).download(REPO, "model.safetensors")));
    }

    @Test
    void offlineWithoutCacheNamesRepoAndFile() {
        SiglipException e = assertThrows(SiglipException.class,
                () -> locator(config().withOffline(true)).download(REPO));
        assertTrue(e.getMessage().contains("offline") && e.getMessage().contains("config.json")
                && e.getMessage().contains(REPO), e.getMessage());
        assertEquals(List.of(), hub.requests());
    }

    @Test
    void unreachableHubWithoutCache() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        HubConfig c = config().withEndpoint("http://127.0.0.1:" + port);
        SiglipException e = assertThrows(SiglipException.class, () -> locator(c).download(REPO));
        assertTrue(e.getMessage().startsWith("cannot reach http://127.0.0.1:" + port + " and no cached copy of config.json")
                && e.getMessage().contains(REPO), e.getMessage());

        // with a cached copy the same outage is harmless
        Path snap = locator(config()).download(REPO);
        assertEquals(snap, locator(c).download(REPO));
    }

    @Test
    void missingFilesAreReportedOrSkipped() throws IOException {
        hub.addRepo("org/no-config", new FakeHub.Repo(COMMIT).putFrom(Fixtures.dir(), "model.safetensors"));
        SiglipException e = assertThrows(SiglipException.class, () -> locator(config()).download("org/no-config"));
        assertEquals("file config.json not found in model repo org/no-config (revision main)", e.getMessage());

        hub.addRepo("org/no-weights", new FakeHub.Repo(COMMIT).putFrom(Fixtures.dir(), "config.json", "spiece.model"));
        e = assertThrows(SiglipException.class, () -> locator(config()).download("org/no-weights"));
        assertTrue(e.getMessage().contains("no weights") && e.getMessage().contains("model.safetensors"), e.getMessage());

        hub.addRepo("org/no-tokenizer", new FakeHub.Repo(COMMIT).putFrom(Fixtures.dir(), "config.json", "model.safetensors"));
        e = assertThrows(SiglipException.class, () -> locator(config()).download("org/no-tokenizer"));
        assertTrue(e.getMessage().contains("spiece.model") && e.getMessage().contains("tokenizer.json"), e.getMessage());

        // a vision-only model needs no tokenizer
        hub.addRepo("org/classifier", new FakeHub.Repo(COMMIT).putFrom(Fixtures.dir().resolve("classification"),
                "config.json", "preprocessor_config.json", "model.safetensors"));
        assertTrue(Files.isRegularFile(locator(config()).download("org/classifier").resolve("model.safetensors")));

        // optional files missing: skipped, and their absence is cached as Python does (.no_exist)
        hub.addRepo("org/minimal", new FakeHub.Repo(COMMIT).putFrom(Fixtures.dir(), "config.json", "spiece.model",
                "model.safetensors"));
        Path snap = locator(config()).download("org/minimal");
        assertEquals(Set.of("config.json", "spiece.model", "model.safetensors"), list(snap));
        Path noExist = cache.resolve("models--org--minimal/.no_exist/" + COMMIT);
        assertEquals(Set.of("preprocessor_config.json", "tokenizer_config.json", "special_tokens_map.json",
                "tokenizer.json"), list(noExist));
        hub.clearLog();
        assertEquals(snap, locator(config()).download("org/minimal", COMMIT, DownloadListener.NONE));
        assertEquals(List.of(), hub.requests(), "known-missing files are not asked for again");
        assertEquals(snap, locator(config().withOffline(true)).download("org/minimal"));

        e = assertThrows(SiglipException.class, () -> new HubClient(config()).download(REPO, "nope", "config.json",
                DownloadListener.NONE));
        assertTrue(e.getMessage().contains("revision 'nope' not found"), e.getMessage());
    }

    @Test
    void missingRepo() {
        SiglipException e = assertThrows(SiglipException.class, () -> locator(config()).download("nobody/nothing"));
        assertTrue(e.getMessage().startsWith("model repo nobody/nothing not found"), e.getMessage());
        e = assertThrows(SiglipException.class,
                () -> locator(config().withToken("tok")).download("nobody/nothing"));
        assertTrue(e.getMessage().startsWith("model repo nobody/nothing not found on " + hub.endpoint()), e.getMessage());
    }

    @Test
    void gatedRepoNeedsTheToken() throws IOException {
        FakeHub.Repo gated = new FakeHub.Repo(COMMIT).putFrom(Fixtures.dir(), FILES.toArray(String[]::new));
        gated.token = "hf_secret";
        hub.addRepo("google/gated", gated);

        SiglipException e = assertThrows(SiglipException.class, () -> locator(config()).download("google/gated"));
        assertTrue(e.getMessage().contains("repo google/gated is gated or private: set HF_TOKEN"), e.getMessage());
        e = assertThrows(SiglipException.class, () -> locator(config().withToken("hf_wrong")).download("google/gated"));
        assertTrue(e.getMessage().contains("gated or private") && e.getMessage().contains("refused"), e.getMessage());
        assertFalse(e.getMessage().contains("hf_wrong"), "the token must not appear in messages");

        hub.clearLog();
        Path snap = locator(config().withToken("hf_secret")).download("google/gated");
        assertArrayEquals(Files.readAllBytes(Fixtures.file("model.safetensors")),
                Files.readAllBytes(snap.resolve("model.safetensors")));
        for (FakeHub.Request r : hub.requests()) {
            if (r.path().startsWith("/lfs/")) {
                assertNull(r.authorization(), "token must not follow the LFS redirect: " + r);
            } else {
                assertEquals("Bearer hf_secret", r.authorization(), r.toString());
            }
        }
        assertTrue(hub.requests().stream().anyMatch(r -> r.path().startsWith("/lfs/")));
    }

    @Test
    void noTokenMeansNoAuthorizationHeader() {
        locator(config()).download(REPO);
        assertTrue(hub.requests().stream().allMatch(r -> r.authorization() == null));
    }

    @Test
    void pathTraversalIsRejectedBeforeAnythingIsWritten() throws IOException {
        HubClient client = new HubClient(config());
        for (String bad : List.of("../config.json", "/etc/passwd", "a\\b", "a/../../b", "a//b", "./x", "C:x", "")) {
            assertThrows(SiglipException.class, () -> client.download(REPO, bad), bad);
        }
        for (String bad : List.of("../evil", "a/../b", "a/b/c", "/abs", "a\\b", "a--b", "..", "")) {
            assertThrows(SiglipException.class, () -> client.download(bad, "config.json"), bad);
        }
        for (String bad : List.of("../../x", "refs/../../x", "/main", "a\\b")) {
            assertThrows(SiglipException.class,
                    () -> client.download(REPO, bad, "config.json", DownloadListener.NONE), bad);
        }
        assertFalse(Files.exists(cache), "nothing may be created for a rejected name");
        assertEquals(List.of(), hub.requests());
    }

    @Test
    void hostileEtagFromTheServerIsRejected() {
        FakeHub.Repo evil = new FakeHub.Repo(COMMIT).putFrom(Fixtures.dir(), "config.json");
        evil.etagOverride.put("config.json", "../../../escape");
        hub.addRepo("org/evil", evil);
        SiglipException e = assertThrows(SiglipException.class,
                () -> new HubClient(config()).download("org/evil", "config.json"));
        assertTrue(e.getMessage().contains("etag"), e.getMessage());
        try (Stream<Path> s = Files.walk(tmp)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().equals("escape")));
        } catch (IOException ex) {
            throw new AssertionError(ex);
        }
    }

    @Test
    void symlinkLeadingOutsideTheCacheIsNotFollowed() throws IOException {
        Path outside = tmp.resolve("outside/config.json");
        Files.createDirectories(outside.getParent());
        Files.writeString(outside, "{\"planted\": true}");
        Path snapDir = storage().resolve("snapshots/" + COMMIT);
        Files.createDirectories(snapDir);
        Files.createDirectories(storage().resolve("refs"));
        Files.writeString(storage().resolve("refs/main"), COMMIT);
        Files.createSymbolicLink(snapDir.resolve("config.json"), outside);

        assertThrows(SiglipException.class,
                () -> new HubClient(config().withOffline(true)).download(REPO, "config.json"));
        assertTrue(new HubClient(config()).cachedFile(REPO, "main", "config.json").isEmpty());

        Path p = new HubClient(config()).download(REPO, "config.json");
        assertTrue(p.toRealPath().startsWith(cache.toRealPath()), p.toRealPath().toString());
        assertArrayEquals(Files.readAllBytes(Fixtures.file("config.json")), Files.readAllBytes(p));
        assertEquals("{\"planted\": true}", Files.readString(outside), "the outside file is untouched");
    }

    @Test
    void refsFolderLinkedOutsideIsNotWrittenThrough() throws IOException {
        Path outside = tmp.resolve("outside-refs");
        Files.createDirectories(outside);
        Files.createDirectories(storage());
        Files.createSymbolicLink(storage().resolve("refs"), outside);
        SiglipException e = assertThrows(SiglipException.class,
                () -> new HubClient(config()).download(REPO, "config.json"));
        assertTrue(e.getMessage().contains("outside the hub cache"), e.getMessage());
        assertEquals(Set.of(), list(outside));
    }

    @Test
    void renamedRepoFollowsTheRelativeRedirect() throws IOException {
        hub.rename("old-org/siglip-tiny", REPO);
        Path p = new HubClient(config()).download("old-org/siglip-tiny", "config.json");
        assertEquals(cache.resolve("models--old-org--siglip-tiny/snapshots/" + COMMIT + "/config.json"), p);
        assertArrayEquals(Files.readAllBytes(Fixtures.file("config.json")), Files.readAllBytes(p));
    }

    @Test
    void shardedWeightsAreFetchedAndBadShardNamesRejected() throws IOException {
        byte[] a = "shard-one".getBytes(StandardCharsets.UTF_8);
        byte[] b = "shard-two".getBytes(StandardCharsets.UTF_8);
        String index = "{\"metadata\":{\"total_size\":18},\"weight_map\":{"
                + "\"x\":\"model-00001-of-00002.safetensors\",\"y\":\"model-00002-of-00002.safetensors\","
                + "\"z\":\"model-00001-of-00002.safetensors\"}}";
        FakeHub.Repo sharded = new FakeHub.Repo(COMMIT).putFrom(Fixtures.dir(), "config.json", "spiece.model")
                .put("model.safetensors.index.json", index.getBytes(StandardCharsets.UTF_8))
                .put("model-00001-of-00002.safetensors", a).put("model-00002-of-00002.safetensors", b);
        sharded.lfs.add("model-00001-of-00002.safetensors");
        sharded.lfs.add("model-00002-of-00002.safetensors");
        hub.addRepo("org/sharded", sharded);
        Path snap = locator(config()).download("org/sharded");
        assertArrayEquals(a, Files.readAllBytes(snap.resolve("model-00001-of-00002.safetensors")));
        assertArrayEquals(b, Files.readAllBytes(snap.resolve("model-00002-of-00002.safetensors")));

        for (String bad : List.of("../evil.safetensors", "sub/dir.safetensors", "/abs.safetensors", "a\\\\b.safetensors",
                "notes.txt")) {
            String evilIndex = "{\"weight_map\":{\"x\":\"model-00001-of-00002.safetensors\",\"y\":\"" + bad + "\"}}";
            hub.addRepo("org/evil-index", new FakeHub.Repo(COMMIT).putFrom(Fixtures.dir(), "config.json", "spiece.model")
                    .put("model.safetensors.index.json", evilIndex.getBytes(StandardCharsets.UTF_8))
                    .put("model-00001-of-00002.safetensors", a));
            hub.clearLog();
            SiglipException e = assertThrows(SiglipException.class, () -> locator(config()).download("org/evil-index"));
            assertTrue(e.getMessage().contains("not a plain .safetensors file name"), e.getMessage());
            assertTrue(hub.requests().stream().noneMatch(r -> r.path().contains("model-0000")),
                    "no shard may be fetched when one name is bad: " + hub.requests());
        }
    }

    long count(String method, String pathPrefix) {
        return hub.requests().stream().filter(r -> r.method().equals(method)
                && (pathPrefix == null || r.path().startsWith(pathPrefix))).count();
    }

    static Set<String> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }
}
