package org.siglip4j.core.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.testing.Fixtures;

/** Settings from (fake) environment variables, repo ids, and {@link ModelLocator#resolve}. */
@Timeout(60)
class HubConfigTest {
    @TempDir
    Path tmp;

    @Test
    void defaultsMatchPython() {
        Path home = tmp.resolve("home");
        HubConfig c = HubConfig.fromEnvironment(Map.of(), home);
        assertEquals("https://huggingface.co", c.endpoint());
        assertEquals(home.resolve(".cache/huggingface/hub").toAbsolutePath(), c.cacheDir());
        assertNull(c.token());
        assertFalse(c.offline());
        assertEquals(Duration.ofSeconds(10), c.timeout());
    }

    @Test
    void cacheFolderPrecedence() {
        Path home = tmp.resolve("home");
        assertEquals(tmp.resolve("xdg/huggingface/hub"),
                HubConfig.fromEnvironment(Map.of("XDG_CACHE_HOME", tmp.resolve("xdg").toString()), home).cacheDir());
        assertEquals(tmp.resolve("hfhome/hub"), HubConfig.fromEnvironment(Map.of(
                "XDG_CACHE_HOME", tmp.resolve("xdg").toString(), "HF_HOME", tmp.resolve("hfhome").toString()), home).cacheDir());
        assertEquals(tmp.resolve("legacy"), HubConfig.fromEnvironment(Map.of(
                "HF_HOME", tmp.resolve("hfhome").toString(), "HUGGINGFACE_HUB_CACHE", tmp.resolve("legacy").toString()),
                home).cacheDir());
        assertEquals(tmp.resolve("new"), HubConfig.fromEnvironment(Map.of(
                "HUGGINGFACE_HUB_CACHE", tmp.resolve("legacy").toString(), "HF_HUB_CACHE", tmp.resolve("new").toString()),
                home).cacheDir());
        assertEquals(home.resolve("x/hub").toAbsolutePath(),
                HubConfig.fromEnvironment(Map.of("HF_HOME", "~/x"), home).cacheDir());
    }

    @Test
    void endpointTokenOfflineTimeout() throws IOException {
        Path home = tmp.resolve("home");
        HubConfig c = HubConfig.fromEnvironment(Map.of("HF_ENDPOINT", "https://hf-mirror.com/", "HF_TOKEN", "hf_abc",
                "HF_HUB_OFFLINE", "1", "HF_HUB_DOWNLOAD_TIMEOUT", "2.5"), home);
        assertEquals("https://hf-mirror.com", c.endpoint());
        assertEquals("hf_abc", c.token());
        assertTrue(c.offline());
        assertEquals(Duration.ofMillis(2500), c.timeout());
        assertFalse(c.toString().contains("hf_abc"), "toString must hide the token");

        for (String v : List.of("1", "true", "ON", "yes")) {
            assertTrue(HubConfig.fromEnvironment(Map.of("HF_HUB_OFFLINE", v), home).offline(), v);
        }
        for (String v : List.of("0", "false", "")) {
            assertFalse(HubConfig.fromEnvironment(Map.of("HF_HUB_OFFLINE", v), home).offline(), v);
        }
        assertTrue(HubConfig.fromEnvironment(Map.of("TRANSFORMERS_OFFLINE", "1"), home).offline());

        // the token file written by `huggingface-cli login`
        Path hfHome = tmp.resolve("hfhome");
        Files.createDirectories(hfHome);
        Files.writeString(hfHome.resolve("token"), "hf_fromfile\n");
        assertEquals("hf_fromfile", HubConfig.fromEnvironment(Map.of("HF_HOME", hfHome.toString()), home).token());
        assertEquals("hf_env", HubConfig.fromEnvironment(Map.of("HF_HOME", hfHome.toString(), "HF_TOKEN", "hf_env"),
                home).token());

        assertThrows(SiglipException.class, () -> HubConfig.fromEnvironment(Map.of("HF_ENDPOINT", "ftp://x"), home));
        assertThrows(SiglipException.class, () -> HubConfig.fromEnvironment(Map.of("HF_HUB_DOWNLOAD_TIMEOUT", "soon"), home));
    }

    @Test
    void repoIds() {
        assertEquals("models--google--siglip-base-patch16-224", RepoId.of("google/siglip-base-patch16-224").folderName());
        assertEquals("models--gpt2", RepoId.of("gpt2").folderName());
        for (String bad : List.of("a/b/c", "../x", "a/..", "a--b/c", "/a", "a\\b", "a b", "a/b.git", "")) {
            assertFalse(RepoId.isValid(bad), bad);
        }
        assertEquals("file", HubClient.percentEncode("file", true));
        assertEquals("refs%2Fpr%2F1", HubClient.percentEncode("refs/pr/1", false));
        assertEquals("sub/a%20b.json", HubClient.percentEncode("sub/a b.json", true));
        assertEquals("abc", HubClient.normalizeEtag("W/\"abc\""));
        assertEquals("abc", HubClient.normalizeEtag("\"abc\""));
    }

    @Test
    void resolveReturnsLocalFoldersAsIsAndRejectsMissingPaths() {
        // an unreachable endpoint: any request would fail loudly
        ModelLocator locator = new ModelLocator(new HubConfig("http://127.0.0.1:9", null, tmp.resolve("cache"), false,
                Duration.ofSeconds(2)));
        Path dir = Fixtures.dir();
        assertEquals(dir, locator.resolve(dir.toString()));

        SiglipException e = assertThrows(SiglipException.class, () -> locator.resolve("./no/such/folder"));
        assertEquals("model folder ./no/such/folder does not exist", e.getMessage());
        e = assertThrows(SiglipException.class, () -> locator.resolve(Fixtures.file("config.json").toString()));
        assertTrue(e.getMessage().contains("is a file"), e.getMessage());
        e = assertThrows(SiglipException.class, () -> locator.resolve("not a repo!"));
        assertTrue(e.getMessage().contains("neither an existing folder nor a hub id"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("cache")));
    }

    @Test
    void resolveDownloadsHubIds() throws IOException {
        try (FakeHub hub = new FakeHub()) {
            hub.addRepo("google/siglip-tiny", new FakeHub.Repo(HubClientTest.COMMIT)
                    .putFrom(Fixtures.dir(), HubClientTest.FILES.toArray(String[]::new)));
            ModelLocator locator = new ModelLocator(
                    new HubConfig(hub.endpoint(), null, tmp.resolve("cache"), false, Duration.ofSeconds(5)));
            Path snap = locator.resolve("google/siglip-tiny");
            assertEquals(tmp.resolve("cache/models--google--siglip-tiny/snapshots/" + HubClientTest.COMMIT), snap);
            assertTrue(Files.isRegularFile(snap.resolve("model.safetensors")));
            assertEquals(snap, locator.resolve("google/siglip-tiny", HubClientTest.COMMIT));
        }
    }
}
