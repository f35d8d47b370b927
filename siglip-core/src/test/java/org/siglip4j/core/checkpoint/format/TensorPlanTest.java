package org.siglip4j.core.checkpoint.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The plan's results own their memory. A loaded tensor wraps a Java direct buffer that only its
 * NDArray keeps alive; a result that is only a view of it (a rename, a part of a fused q/k/v, rows)
 * read freed memory once the plan's scope closed and the collector reclaimed the buffer: converted
 * checkpoints then held garbage (NaN logits in a few runs out of ten).
 */
class TensorPlanTest {
    private static final int N = 1 << 16;

    /** Source tensors backed by direct buffers, as the safetensors and npz readers load them. */
    private static TensorSource directBuffers() {
        return new TensorSource() {
            @Override
            public Path source() {
                return Path.of("memory");
            }

            @Override
            public Set<String> names() {
                return Set.of("fused");
            }

            @Override
            public NDArray load(String name, NDManager manager) {
                ByteBuffer b = ByteBuffer.allocateDirect(N * Float.BYTES).order(ByteOrder.nativeOrder());
                for (int i = 0; i < N; i++) {
                    b.putFloat(i);
                }
                b.flip();
                return manager.create(b, new Shape(4, N / 4), DataType.FLOAT32);
            }

            @Override
            public void close() {}
        };
    }

    @Test
    void resultsThatAreViewsOfALoadedTensorSurviveTheCollector() throws InterruptedException {
        TensorPlan plan = new TensorPlan()
                .copy("renamed", "fused")
                .add("second_quarter", List.of("fused"), TensorPlan.part(1, 4))
                .add("last_rows", List.of("fused"), TensorPlan.rows(2, 4));
        try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            Map<String, NDArray> out = plan.apply(directBuffers(), m);
            // Let the collector free every buffer nothing references any more, and fill the
            // memory the allocator hands out next with a value no source element has.
            List<ByteBuffer> keep = new ArrayList<>();
            for (int round = 0; round < 5; round++) {
                System.gc();
                Thread.sleep(50);
                for (int j = 0; j < 8; j++) {
                    ByteBuffer b = ByteBuffer.allocateDirect(N * Float.BYTES).order(ByteOrder.nativeOrder());
                    while (b.hasRemaining()) {
                        b.putFloat(Float.NaN);
                    }
                    keep.add(b);
                }
            }
            float[] all = new float[N];
            for (int i = 0; i < N; i++) {
                all[i] = i;
            }
            int q = N / 4;
            assertArrayEquals(all, out.get("renamed").toFloatArray());
            assertArrayEquals(java.util.Arrays.copyOfRange(all, q, 2 * q), out.get("second_quarter").toFloatArray());
            assertArrayEquals(java.util.Arrays.copyOfRange(all, 2 * q, N), out.get("last_rows").toFloatArray());
            keep.clear();
        }
    }
}
