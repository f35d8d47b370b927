package org.siglip4j.train.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.engine.Engine;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AdamWTest {

    /** AdamW in double precision, written from the paper's update rule, as the reference. */
    private static final class Reference {
        final double[] p;
        final double[] m;
        final double[] v;
        int t;

        Reference(double[] init) {
            p = init.clone();
            m = new double[p.length];
            v = new double[p.length];
        }

        void step(double[] g, double lr, AdamW.Settings s, boolean decay) {
            t++;
            for (int i = 0; i < p.length; i++) {
                m[i] = s.beta1() * m[i] + (1 - s.beta1()) * g[i];
                v[i] = s.beta2() * v[i] + (1 - s.beta2()) * g[i] * g[i];
                if (decay) {
                    p[i] *= 1 - lr * s.weightDecay();
                }
                double mh = m[i] / (1 - Math.pow(s.beta1(), t));
                double vh = v[i] / (1 - Math.pow(s.beta2(), t));
                p[i] -= lr * mh / (Math.sqrt(vh) + s.eps());
            }
        }
    }

    @Test
    void matchesDoublePrecisionReferenceWithSelectiveDecay() {
        Random rnd = new Random(7);
        AdamW.Settings settings = new AdamW.Settings(0.9, 0.98, 1e-6, 0.1);
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, Parameter> params = new LinkedHashMap<>();
            Map<String, Reference> refs = new LinkedHashMap<>();
            for (String name : new String[] {"encoder.fc1.weight", "encoder.fc1.bias", "logit_scale"}) {
                double[] init = rnd.doubles(6, -1, 1).toArray();
                Parameter p = Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT).build();
                p.setArray(m.create(init).toType(DataType.FLOAT32, false));
                p.getArray().setRequiresGradient(true);
                params.put(name, p);
                float[] f = p.getArray().toFloatArray();
                double[] asF = new double[6];
                for (int i = 0; i < 6; i++) {
                    asF[i] = f[i];
                }
                refs.put(name, new Reference(asF));
            }
            try (AdamW opt = new AdamW(params, settings, AdamW.defaultDecayRule(), m)) {
                for (int step = 0; step < 5; step++) {
                    double lr = 0.01 * (step + 1);
                    Map<String, double[]> grads = new LinkedHashMap<>();
                    if (step > 0) {
                        opt.zeroGradients();
                    }
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray total = null;
                        for (Map.Entry<String, Parameter> e : params.entrySet()) {
                            double[] c = rnd.doubles(6, -2, 2).toArray();
                            grads.put(e.getKey(), c);
                            NDArray term = e.getValue().getArray().mul(m.create(c).toType(DataType.FLOAT32, false)).sum();
                            total = total == null ? term : total.add(term);
                        }
                        gc.backward(total);
                    }
                    opt.step(lr);
                    for (String name : params.keySet()) {
                        boolean decay = AdamW.defaultDecayRule().test(name);
                        refs.get(name).step(grads.get(name), lr, settings, decay);
                    }
                }
                for (String name : params.keySet()) {
                    float[] got = params.get(name).getArray().toFloatArray();
                    double[] want = refs.get(name).p;
                    for (int i = 0; i < got.length; i++) {
                        assertEquals(want[i], got[i], 2e-6, name + "[" + i + "]");
                    }
                }
                assertEquals(5, opt.stepCount());
            }
        }
    }

    @Test
    void decayRuleExcludesBiasesNormsTemperatureAndBias() {
        var rule = AdamW.defaultDecayRule();
        assertEquals(true, rule.test("vision_model.encoder.layers.0.mlp.fc1.weight"));
        assertEquals(true, rule.test("vision_model.head.probe"));
        assertEquals(false, rule.test("vision_model.encoder.layers.0.mlp.fc1.bias"));
        assertEquals(false, rule.test("vision_model.encoder.layers.0.layer_norm1.weight"));
        assertEquals(false, rule.test("vision_model.post_layernorm.weight"));
        assertEquals(false, rule.test("logit_scale"));
        assertEquals(false, rule.test("logit_bias"));
    }

    @Test
    void rejectsImpossibleSettings() {
        assertThrows(IllegalArgumentException.class, () -> new AdamW.Settings(1.0, 0.9, 1e-8, 0));
        assertThrows(IllegalArgumentException.class, () -> new AdamW.Settings(0.9, 0.9, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new AdamW.Settings(0.9, 0.9, 1e-8, -1));
    }
}
