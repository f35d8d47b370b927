package org.siglip4j.core.processing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.Gson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.siglip4j.core.testing.Fixtures;
import org.siglip4j.core.testing.Npy;

/** The combined processor produces HF's model inputs in the caller's manager. */
class SiglipProcessorTest {

    @Test
    void textsAndImagesTogether() throws IOException {
        List<String> texts = List.of(new Gson().fromJson(
                Files.readString(Fixtures.file("inputs/texts.json")), String[].class));
        List<Path> files = new ArrayList<>();
        List<RgbImage> decoded = new ArrayList<>();
        for (int i = 0; i < ImageProcessingFixtureTest.NAMES.length; i++) {
            files.add(ImageProcessingFixtureTest.input(i));
            decoded.add(ImageProcessingFixtureTest.fixtureDecoded(i));
        }
        Npy.Array ids = Fixtures.expected("input_ids");
        Npy.Array pixels = Fixtures.expected("pixel_values");
        try (SiglipProcessor p = SiglipProcessor.load(Fixtures.dir());
                NDManager m = NDManager.newBaseManager()) {
            NDList out = p.processRgb(texts, decoded, m);
            assertEquals(SiglipProcessor.INPUT_IDS, out.get(0).getName());
            assertEquals(DataType.INT64, out.get(0).getDataType());
            assertArrayEquals(ids.shape(), out.get(0).getShape().getShape());
            assertArrayEquals(ids.longs(), out.get(0).toLongArray());
            assertEquals(SiglipProcessor.PIXEL_VALUES, out.get(1).getName());
            assertEquals(DataType.FLOAT32, out.get(1).getDataType());
            assertArrayEquals(pixels.shape(), out.get(1).getShape().getShape());
            Fixtures.assertClose(pixels.values(), out.get(1).toFloatArray(), 1e-6, 0, "pixel_values");
            assertEquals(m, out.get(0).getManager());
            assertEquals(m, out.get(1).getManager());

            NDList fromFiles = p.process(texts.subList(0, 2), files, m);
            assertArrayEquals(new long[] {2, 64}, fromFiles.get(0).getShape().getShape());
            assertArrayEquals(new long[] {8, 3, 32, 32}, fromFiles.get(1).getShape().getShape());

            List<java.awt.image.BufferedImage> awt = List.of(decoded.get(0).toBufferedImage());
            float[] one = p.processBufferedImages(awt, m).toFloatArray();
            Fixtures.assertClose(java.util.Arrays.copyOf(pixels.values(), 3 * 32 * 32), one, 1e-6, 0, "BufferedImage");
        }
    }
}
