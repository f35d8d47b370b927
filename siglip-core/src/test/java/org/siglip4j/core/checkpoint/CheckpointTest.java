package org.siglip4j.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.config.SiglipConfig;
import org.siglip4j.core.model.SiglipForImageClassification;
import org.siglip4j.core.model.SiglipModel;
import org.siglip4j.core.model.SiglipVisionModel;
import org.siglip4j.core.testing.Fixtures;

class CheckpointTest {
    @TempDir
    Path tmp;

    @Test
    void loadSaveLoadKeepsEveryTensorAndName() {
        try (NDManager m = NDManager.newBaseManager();
                SiglipModel a = SiglipModel.fromPretrained(Fixtures.dir(), m)) {
            a.save(tmp);
            try (Checkpoint orig = Checkpoint.open(Fixtures.dir());
                    Checkpoint saved = Checkpoint.open(tmp);
                    SiglipModel b = SiglipModel.fromPretrained(tmp, m)) {
                assertEquals(orig.tensors().keySet(), saved.tensors().keySet());
                assertEquals(orig.tensors().keySet(), a.namedParameters().keySet());
                for (String k : orig.tensors().keySet()) {
                    assertArrayEquals(orig.tensors().get(k).shape(), saved.tensors().get(k).shape(), k);
                    assertArrayEquals(orig.load(k, m).toFloatArray(), b.namedParameters().get(k).getArray().toFloatArray(),
                            k);
                }
                assertEquals("pt", saved.metadata().get("format"));
                assertEquals(a.config().textConfig(), b.config().textConfig());
                assertEquals(a.config().visionConfig(), b.config().visionConfig());
            }
        }
    }

    @Test
    void missingAndMisshapedTensorsAreReportedTogether() {
        try (NDManager m = NDManager.newBaseManager();
                SiglipModel a = SiglipModel.fromPretrained(Fixtures.dir(), m)) {
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            a.namedParameters().forEach((k, p) -> arrays.put(k, p.getArray()));
            arrays.remove("vision_model.head.probe");
            arrays.put("text_model.head.bias", m.zeros(new ai.djl.ndarray.types.Shape(31)));
            arrays.put("extra.thing", m.zeros(new ai.djl.ndarray.types.Shape(2)));
            SafetensorsWriter.write(tmp.resolve("model.safetensors"), arrays);
            SiglipConfig.load(Fixtures.dir()).save(tmp);
            SiglipException e = assertThrows(SiglipException.class, () -> SiglipModel.fromPretrained(tmp, m));
            String msg = e.getMessage();
            assertTrue(msg.contains("missing (1): vision_model.head.probe"), msg);
            assertTrue(msg.contains("unexpected (1): extra.thing"), msg);
            assertTrue(msg.contains("text_model.head.bias: checkpoint [31] vs expected (32)"), msg);
            try (SiglipModel lenient = SiglipModel.fromPretrained(tmp, m, false)) {
                LoadReport r = lenient.lastLoadReport();
                assertEquals(java.util.List.of("vision_model.head.probe"), r.missing());
                assertEquals(java.util.List.of("extra.thing"), r.unexpected());
                assertEquals(1, r.mismatched().size());
                Parameter probe = lenient.namedParameters().get("vision_model.head.probe");
                assertTrue(probe.isInitialized(), "missing parameters are initialised");
            }
        }
    }

    @Test
    void classificationCheckpointLoadsAndVisionModelSkipsTextTower() {
        try (NDManager m = NDManager.newBaseManager();
                SiglipForImageClassification c =
                        SiglipForImageClassification.fromPretrained(Fixtures.file("classification"), m);
                SiglipVisionModel v = SiglipVisionModel.fromPretrained(Fixtures.dir(), m)) {
            assertTrue(c.namedParameters().containsKey("vision_model.head.probe"));
            assertFalse(c.namedParameters().get("vision_model.head.probe").requiresGradient(), "unused head is frozen");
            assertTrue(v.lastLoadReport().ignored().contains("logit_scale"));
            assertTrue(v.lastLoadReport().ignored().contains("text_model.head.weight"));
            assertTrue(v.lastLoadReport().isClean());
        }
    }

    @Test
    void shardedFoldersLoadAndUnsafeShardNamesAreRejected() throws IOException {
        try (NDManager m = NDManager.newBaseManager();
                SiglipModel a = SiglipModel.fromPretrained(Fixtures.dir(), m)) {
            Map<String, NDArray> text = new LinkedHashMap<>();
            Map<String, NDArray> rest = new LinkedHashMap<>();
            StringBuilder map = new StringBuilder("{\"metadata\":{},\"weight_map\":{");
            for (Map.Entry<String, Parameter> e : a.namedParameters().entrySet()) {
                boolean t = e.getKey().startsWith("text_model.");
                (t ? text : rest).put(e.getKey(), e.getValue().getArray());
                map.append('"').append(e.getKey()).append("\":\"")
                        .append(t ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors").append("\",");
            }
            map.setLength(map.length() - 1);
            map.append("}}");
            SafetensorsWriter.write(tmp.resolve("model-00001-of-00002.safetensors"), text);
            SafetensorsWriter.write(tmp.resolve("model-00002-of-00002.safetensors"), rest);
            Files.writeString(tmp.resolve(Checkpoint.INDEX), map);
            SiglipConfig.load(Fixtures.dir()).save(tmp);
            try (SiglipModel b = SiglipModel.fromPretrained(tmp, m)) {
                String k = "text_model.encoder.layers.1.mlp.fc2.weight";
                assertArrayEquals(a.namedParameters().get(k).getArray().toFloatArray(),
                        b.namedParameters().get(k).getArray().toFloatArray());
            }
            for (String bad : new String[] {"../model.safetensors", "/etc/passwd", "sub/../../x.safetensors"}) {
                Files.writeString(tmp.resolve(Checkpoint.INDEX),
                        "{\"weight_map\":{\"logit_scale\":\"" + bad + "\"}}");
                SiglipException e = assertThrows(SiglipException.class, () -> Checkpoint.open(tmp).close());
                assertTrue(e.getMessage().contains(bad), e.getMessage());
            }
            Path outside = Files.createTempFile("outside", ".safetensors");
            try {
                Files.copy(tmp.resolve("model-00002-of-00002.safetensors"), outside,
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                Files.createSymbolicLink(tmp.resolve("link.safetensors"), outside);
                Files.writeString(tmp.resolve(Checkpoint.INDEX),
                        "{\"weight_map\":{\"logit_scale\":\"link.safetensors\"}}");
                SiglipException e = assertThrows(SiglipException.class, () -> Checkpoint.open(tmp).close());
                assertTrue(e.getMessage().contains("outside the model folder"), e.getMessage());
            } finally {
                Files.deleteIfExists(outside);
            }
        }
    }
}
