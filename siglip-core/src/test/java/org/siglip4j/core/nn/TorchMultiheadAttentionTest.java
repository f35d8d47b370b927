package org.siglip4j.core.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The MAP head's attention runs through {@link EagerAttention#TORCH_MULTIHEAD} and gives exactly
 * what {@code torch.nn.MultiheadAttention}'s explicit path computes, written out here op by op as
 * the layer computed it before it had a kernel (q scaled before the product, softmax in the
 * scores' type): bit for bit, with a broadcast query, a batch of keys and a key mask. Its parity
 * with Hugging Face is ModelParityTest's.
 */
class TorchMultiheadAttentionTest {
    private static final int DIM = 24;
    private static final int HEADS = 3; // head size 8: sqrt(1/8) is not a power of two, so rounding shows

    @Test
    void equalsTorchsFormulaBitForBit() {
        try (NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed(7);
            TorchMultiheadAttention mha = new TorchMultiheadAttention(DIM, HEADS);
            Map<String, Parameter> params = mha.namedParameters();
            Map<String, Shape> shapes = mha.parameterShapes();
            params.forEach((name, p) -> p.setArray(m.randomNormal(shapes.get(name))));
            NDArray query = m.randomNormal(new Shape(1, 1, DIM)); // the probe, broadcast over the batch
            NDArray kv = m.randomNormal(new Shape(4, 9, DIM));
            NDArray keep = m.create(new float[] {1, 1, 1, 1, 1, 1, 0, 0, 0}).tile(4).reshape(4, 9);
            NDArray maskBias = SiglipAttention.maskBias(keep);
            DirectParameterStore ps = new DirectParameterStore(m);
            for (NDArray mask : new NDArray[] {null, maskBias}) {
                try (GradMode g = GradMode.disabled()) {
                    float[] got = mha.forward(ps, query, kv, mask, false).toFloatArray();
                    float[] expected = torchFormula(params, query, kv, mask).toFloatArray();
                    assertArrayEquals(expected, got, 0f, mask == null ? "no mask" : "masked keys");
                }
            }
        }
    }

    /** {@code F.multi_head_attention_forward} (need_weights, no dropout), as the layer wrote it out. */
    private static NDArray torchFormula(Map<String, Parameter> p, NDArray query, NDArray kv, NDArray maskBias) {
        NDArray w = p.get("in_proj_weight").getArray();
        NDArray b = p.get("in_proj_bias").getArray();
        int hd = DIM / HEADS;
        long bsz = kv.getShape().get(0);
        long l = kv.getShape().get(1);
        NDArray q = TorchLinear.linear(query, w.get("0:" + DIM), b.get("0:" + DIM), false)
                .reshape(1, 1, HEADS, hd).transpose(0, 2, 1, 3);
        q = q.mul(Scalars.of(q, Math.sqrt(1.0 / hd)));
        NDArray k = TorchLinear.linear(kv, w.get(DIM + ":" + 2 * DIM), b.get(DIM + ":" + 2 * DIM), false)
                .reshape(bsz, l, HEADS, hd).transpose(0, 2, 3, 1);
        NDArray v = TorchLinear.linear(kv, w.get(2 * DIM + ":"), b.get(2 * DIM + ":"), false)
                .reshape(bsz, l, HEADS, hd).transpose(0, 2, 1, 3);
        NDArray scores = q.matMul(k);
        if (maskBias != null) {
            scores = scores.add(maskBias);
        }
        NDArray out = scores.softmax(-1).matMul(v).transpose(0, 2, 1, 3).reshape(bsz, 1, DIM);
        return TorchLinear.linear(out, p.get("out_proj.weight").getArray(), p.get("out_proj.bias").getArray(), false);
    }
}
