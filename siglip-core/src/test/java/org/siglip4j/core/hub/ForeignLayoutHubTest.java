package org.siglip4j.core.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.checkpoint.format.CheckpointFormats;
import org.siglip4j.core.config.SiglipConfig;
import org.siglip4j.core.model.SiglipForImageClassification;
import org.siglip4j.core.pipeline.SiglipPipeline;
import org.siglip4j.core.pipeline.SiglipPipelines;
import org.siglip4j.core.testing.Fixtures;
import org.siglip4j.core.testing.Npy;

/** open_clip repos ({@code hf-hub:} ids) and timm repos from the local fake hub, read as HF SigLIPs. */
@Timeout(60)
class ForeignLayoutHubTest {
    static final Path FORMATS = Fixtures.dir().getParent().resolve("formats");
    static final String COMMIT = "89abcdef0123456789abcdef0123456789abcdef";

    @TempDir
    Path tmp;
    FakeHub hub;

    @BeforeEach
    void start() throws IOException {
        hub = new FakeHub();
        FakeHub.Repo openClip = new FakeHub.Repo(COMMIT).putFrom(FORMATS.resolve("open_clip"),
                "open_clip_config.json", "open_clip_model.safetensors", "spiece.model", "tokenizer_config.json",
                "special_tokens_map.json");
        openClip.lfs.add("open_clip_model.safetensors");
        hub.addRepo("timm/ViT-T-8-SigLIP-test", openClip);
        FakeHub.Repo both = new FakeHub.Repo(COMMIT).putFrom(FORMATS.resolve("open_clip"),
                "open_clip_config.json", "open_clip_model.safetensors", "spiece.model", "tokenizer_config.json")
                .putFrom(FORMATS.resolve("timm-map"), "config.json");
        both.lfs.add("open_clip_model.safetensors");
        hub.addRepo("timm/ViT-T-8-SigLIP-both", both);
        hub.addRepo("timm/vit_test_patch8_siglip_gap_32", new FakeHub.Repo(COMMIT)
                .putFrom(FORMATS.resolve("timm-gap"), "config.json", "model.safetensors"));
        // an open_clip repo without tokenizer files: its config's hf_tokenizer_name names siglip4j/siglip-tiny
        FakeHub.Repo noTokenizer = new FakeHub.Repo(COMMIT).putFrom(FORMATS.resolve("open_clip"),
                "open_clip_config.json", "open_clip_model.safetensors");
        hub.addRepo("timm/ViT-T-8-SigLIP-notok", noTokenizer);
        hub.addRepo("siglip4j/siglip-tiny", new FakeHub.Repo(COMMIT).putFrom(FORMATS.resolve("open_clip"),
                "spiece.model", "tokenizer_config.json", "special_tokens_map.json"));
        // a big_vision release repo: the .npz and the tokenizer, no config.json
        FakeHub.Repo bigVision = new FakeHub.Repo(COMMIT).putFrom(FORMATS.resolve("big_vision"), "siglip_tiny.npz",
                "spiece.model", "tokenizer_config.json", "special_tokens_map.json");
        bigVision.lfs.add("siglip_tiny.npz");
        hub.addRepo("google/siglip-tiny-jax", bigVision);
        System.setProperty(CheckpointFormats.CACHE_PROPERTY, tmp.resolve("siglip4j").toString());
    }

    /** The first row of a two-tower fixture's logits (image 0 against every text) through the pipeline. */
    static void assertFirstRowOfLogits(Path dir, String layout) throws IOException {
        Npy.Array logits = Npy.read(FORMATS.resolve(layout + "/expected/logits_per_image.npy"));
        List<String> texts = com.google.gson.JsonParser.parseString(Files.readString(FORMATS.resolve(
                "inputs/texts.json"))).getAsJsonArray().asList().stream().map(e -> e.getAsString()).toList();
        try (SiglipPipeline p = SiglipPipeline.load(dir)) {
            float[][] l = p.logits(p.embedImages(List.of(FORMATS.resolve("inputs/gradient_wide.png"))),
                    p.embedTexts(texts));
            for (int j = 0; j < texts.size(); j++) {
                assertEquals(logits.values()[j], l[0][j], 1e-4, layout + " logit of text " + j);
            }
        }
    }

    @Test
    void anOpenClipRepoWithoutTokenizerFilesTakesTheOneItsConfigNames() throws IOException {
        Path dir = new ModelLocator(config()).resolve("hf-hub:timm/ViT-T-8-SigLIP-notok");
        assertTrue(Files.isRegularFile(dir.resolve("spiece.model")), "tokenizer from siglip4j/siglip-tiny");
        assertFirstRowOfLogits(dir, "open_clip");
    }

    @Test
    void aLocalOpenClipFolderWithoutTokenizerFilesTakesTheOneItsConfigNames() throws IOException {
        Path local = Files.createDirectories(tmp.resolve("local-oc"));
        for (String f : List.of("open_clip_config.json", "open_clip_model.safetensors")) {
            Files.copy(FORMATS.resolve("open_clip").resolve(f), local.resolve(f));
        }
        Path dir = new ModelLocator(config()).resolve(local.toString());
        assertFirstRowOfLogits(dir, "open_clip");
    }

    @Test
    void aBigVisionNpzLoadsByHubIdAndFile() throws IOException {
        Path dir = new ModelLocator(config()).resolve("google/siglip-tiny-jax/siglip_tiny.npz");
        assertEquals(List.of("SiglipModel"), SiglipConfig.load(dir).architectures());
        assertFirstRowOfLogits(dir, "big_vision");
    }

    @AfterEach
    void stop() {
        hub.close();
        System.clearProperty(CheckpointFormats.CACHE_PROPERTY);
    }

    HubConfig config() {
        return new HubConfig(hub.endpoint(), null, tmp.resolve("hub-cache"), false, Duration.ofSeconds(5));
    }

    @Test
    void anOpenClipHubIdLoadsWithItsOwnTokenizer() throws IOException {
        Path dir = SiglipPipelines.resolveModel("hf-hub:timm/ViT-T-8-SigLIP-test", null, config(), null);
        assertEquals(CheckpointFormats.Format.HUGGING_FACE, CheckpointFormats.detect(dir));
        Npy.Array logits = Npy.read(FORMATS.resolve("open_clip/expected/logits_per_image.npy"));
        List<Path> images = List.of(FORMATS.resolve("inputs/gradient_wide.png"));
        try (SiglipPipeline p = SiglipPipeline.load(dir)) {
            float[][] l = p.logits(p.embedImages(images), p.embedTexts(List.of("a photo of a cat")));
            assertEquals(logits.values()[0], l[0][0], 1e-4);
        }
        // the same id through the locator (as the eval commands resolve models)
        assertEquals(dir, new ModelLocator(config()).resolve("hf-hub:timm/ViT-T-8-SigLIP-test"));
    }

    @Test
    void aRepoWithATimmConfigAndOpenClipFilesIsTheTwoTowerModel() {
        Path dir = new ModelLocator(config()).resolve("timm/ViT-T-8-SigLIP-both");
        assertEquals(List.of("SiglipModel"), SiglipConfig.load(dir).architectures());
    }

    @Test
    void aTimmHubRepoIsAnImageOnlyModel() {
        Path dir = new ModelLocator(config()).resolve("timm/vit_test_patch8_siglip_gap_32");
        assertTrue(Files.isRegularFile(dir.resolve("config.json")));
        SiglipConfig c = SiglipConfig.load(dir);
        assertEquals(List.of("SiglipForImageClassification"), c.architectures());
        try (NDManager m = NDManager.newBaseManager();
                SiglipForImageClassification model = SiglipForImageClassification.fromPretrained(dir, m)) {
            assertEquals(5, model.id2label().size());
        }
    }
}
