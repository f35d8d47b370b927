package org.siglip4j.core.hub;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.pipeline.SiglipPipeline;
import org.siglip4j.core.testing.Fixtures;

/** Both SigLIP 2 kinds load by hub id through the local fake hub and give HF's embeddings. */
@Timeout(60)
class Siglip2HubTest {
    static final String COMMIT = "19191919191919191919191919191919191919aa";
    static final List<String> FILES = List.of("config.json", "preprocessor_config.json", "tokenizer_config.json",
            "special_tokens_map.json", "tokenizer.json", "model.safetensors");

    @TempDir
    Path tmp;

    @Test
    void fixResAndNaFlexLoadByHubId() throws java.io.IOException {
        try (FakeHub hub = new FakeHub()) {
            for (String name : List.of("siglip2-tiny-fixres", "siglip2-tiny-naflex")) {
                hub.addRepo("google/" + name, new FakeHub.Repo(COMMIT).putFrom(Fixtures.dir(name),
                        FILES.toArray(String[]::new)));
            }
            HubConfig config = new HubConfig(hub.endpoint(), null, tmp.resolve("cache"), false, Duration.ofSeconds(5));
            for (String name : List.of("siglip2-tiny-fixres", "siglip2-tiny-naflex")) {
                Path snapshot = new ModelLocator(config).download("google/" + name);
                try (SiglipPipeline p = SiglipPipeline.load(snapshot)) {
                    float[][] e = p.embedImages(List.of(Fixtures.file("inputs/exif_rotated.jpg")));
                    double[] want = Fixtures.expected(name, "image_embeds").values();
                    double[] row = new double[e[0].length];
                    System.arraycopy(want, 6 * row.length, row, 0, row.length); // image 6 of the fixture batch
                    Fixtures.assertClose(row, e[0], 1e-5, 0, name + " image_embeds[6] by hub id");
                }
            }
        }
    }
}
