package org.siglip4j.core.checkpoint.format;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.siglip4j.core.model.SiglipModel;
import org.siglip4j.core.processing.SiglipProcessor;

class TmpNanTest {
    @Test
    void nan() throws Exception {
        System.setProperty(CheckpointFormats.CACHE_PROPERTY, "/tmp/formats-nan-cache");
        Path hf = CheckpointFormats.asHuggingFace(CheckpointFormatsTest.FORMATS.resolve("big_vision"));
        try (NDManager m = NDManager.newBaseManager(); SiglipProcessor p = SiglipProcessor.load(hf);
                SiglipModel model = SiglipModel.fromPretrained(hf, m)) {
            List<Path> imgs = CheckpointFormatsTest.images();
            NDArray px = p.processImageFiles(imgs, m);
            NDArray ids = p.processTexts(CheckpointFormatsTest.texts(), m);
            for (int r = 0; r < 3; r++) {
                var o = model.forward(ids, px);
                System.out.println("forward img nan=" + o.imageEmbeds().isNaN().sum().getLong() + " txt nan="
                    + o.textEmbeds().isNaN().sum().getLong() + " pooled nan=" + o.visionModelOutput().poolerOutput().isNaN().sum().getLong()
                    + " last " + o.imageEmbeds().get(7).toFloatArray()[31]);
                NDArray e = model.imageEmbeds(px);
                System.out.println("imageEmbeds nan=" + e.isNaN().sum().getLong());
            }
        }
    }
}
