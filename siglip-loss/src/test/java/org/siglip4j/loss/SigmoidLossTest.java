package org.siglip4j.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.siglip4j.core.SiglipException;

class SigmoidLossTest {

    /** Loss and gradients of one DJL evaluation, widened to double. */
    record Djl(double loss, double[] gx, double[] gy, double gt, double gb) {}

    /** Evaluates {@code form} under autograd and reads the gradients of all four inputs. */
    static Djl autograd(double[][] x, double[][] y, double t, double b, double[][] labels, DataType type,
            LossForm form) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray xa = Reference.array(m, x, type);
            NDArray ya = Reference.array(m, y, type);
            NDArray ta = Reference.scalarArray(m, t, type);
            NDArray ba = Reference.scalarArray(m, b, type);
            NDArray la = labels == null ? null : Reference.array(m, labels, type);
            for (NDArray a : new NDArray[] {xa, ya, ta, ba}) {
                a.setRequiresGradient(true);
            }
            double loss;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray l = form.apply(xa, ya, ta, ba, la);
                assertEquals(type, l.getDataType(), "the loss keeps the embeddings' data type");
                loss = Reference.values(l)[0];
                gc.backward(l);
            }
            return new Djl(loss, Reference.values(xa.getGradient()), Reference.values(ya.getGradient()),
                    Reference.values(ta.getGradient())[0], Reference.values(ba.getGradient())[0]);
        }
    }

    @FunctionalInterface
    interface LossForm {
        NDArray apply(NDArray x, NDArray y, NDArray t, NDArray b, NDArray labels);
    }

    static final LossForm FULL = (x, y, t, b, l) -> SigmoidLoss.sigmoidLoss(x, y, t, b, l, Double.POSITIVE_INFINITY);

    static LossForm chunked(int chunk) {
        return (x, y, t, b, l) -> SigmoidLoss.chunkedLoss(x, y, t, b, l, chunk, Double.POSITIVE_INFINITY);
    }

    static void assertMatches(Reference.Result ref, Djl got, double tol, String what) {
        assertEquals(ref.loss(), got.loss(), tol * Math.abs(ref.loss()), what + " loss");
        Reference.assertGrad(Reference.flat(ref.gx()), got.gx(), tol, 10 * tol, what + " d/dx");
        Reference.assertGrad(Reference.flat(ref.gy()), got.gy(), tol, 10 * tol, what + " d/dy");
        assertEquals(ref.gt(), got.gt(), tol * Math.max(1e-3, Math.abs(ref.gt())) * 10, what + " d/dt'");
        assertEquals(ref.gb(), got.gb(), tol * Math.max(1e-3, Math.abs(ref.gb())) * 10, what + " d/db");
    }

    @ParameterizedTest(name = "n={0} d={1} t'={2} b={3} {4}")
    @CsvSource({
        "1, 4, 2.302585, -10, FLOAT64",
        "5, 3, 2.302585, -10, FLOAT64",
        "16, 8, 1.0, 0.5, FLOAT64",
        "33, 12, 3.0, -3, FLOAT64",
        "7, 5, 2.302585, -10, FLOAT32",
        "40, 16, 4.0, -20, FLOAT32",
        // logits of magnitude 50+ (scale 150 and 400): softplus form, no inf/NaN
        "12, 6, 5.0, -10, FLOAT64",
        "12, 6, 6.0, 60, FLOAT32",
    })
    void fullAndChunkedMatchDoubleReference(int n, int d, double t, double b, DataType type) {
        Random r = new Random(n * 31L + d);
        double[][] x = Reference.unitRows(r, n, d);
        double[][] y = Reference.unitRows(r, n, d);
        Reference.Result ref = Reference.sigmoidLoss(x, y, t, b, null, Double.POSITIVE_INFINITY);
        double tol = type == DataType.FLOAT64 ? 1e-10 : 1e-5;
        for (LossForm form : new LossForm[] {FULL, chunked(1), chunked(3), chunked(n + 5)}) {
            Djl got = autograd(x, y, t, b, null, type, form);
            Reference.assertFinite(got.gx(), "d/dx");
            Reference.assertFinite(got.gy(), "d/dy");
            assertMatches(ref, got, tol, type + " n=" + n);
        }
    }

    @Test
    void largeLogitsStayFinite() {
        // scale e^6 ~ 403, b = +-200: logits up to ~600 in magnitude; exp(600) overflows in double too.
        Random r = new Random(7);
        double[][] x = Reference.unitRows(r, 6, 4);
        double[][] y = Reference.unitRows(r, 6, 4);
        for (double b : new double[] {-200, 200}) {
            Reference.Result ref = Reference.sigmoidLoss(x, y, 6.0, b, null, Double.POSITIVE_INFINITY);
            for (DataType type : new DataType[] {DataType.FLOAT32, DataType.FLOAT64}) {
                Djl got = autograd(x, y, 6.0, b, null, type, FULL);
                assertMatches(ref, got, type == DataType.FLOAT64 ? 1e-10 : 1e-5, "b=" + b + " " + type);
            }
        }
    }

    @Test
    void gradientsMatchCentralFiniteDifferences() {
        Random r = new Random(3);
        int n = 4;
        int d = 3;
        double[][] x = Reference.unitRows(r, n, d);
        double[][] y = Reference.unitRows(r, n, d);
        double[][] labels = {{1, 0, 0, 1}, {0, 1, 0, 0}, {0, 0, 1, 0}, {1, 0, 0, 1}};
        double t = 1.7;
        double b = -2.5;
        Djl got = autograd(x, y, t, b, labels, DataType.FLOAT64, FULL);
        Djl chunk = autograd(x, y, t, b, labels, DataType.FLOAT64, chunked(3));
        double h = 1e-6;
        try (NDManager m = NDManager.newBaseManager()) {
            java.util.function.Function<double[][][], Double> f = p -> {
                try (NDManager s = m.newSubManager()) {
                    return Reference.values(SigmoidLoss.sigmoidLoss(Reference.array(s, p[0], DataType.FLOAT64),
                            Reference.array(s, p[1], DataType.FLOAT64),
                            Reference.scalarArray(s, p[2][0][0], DataType.FLOAT64),
                            Reference.scalarArray(s, p[2][0][1], DataType.FLOAT64),
                            Reference.array(s, labels, DataType.FLOAT64), Double.POSITIVE_INFINITY))[0];
                }
            };
            double[][][] p = {x, y, {{t, b}}};
            double[][] grads = {got.gx(), got.gy()};
            double[][] chunkGrads = {chunk.gx(), chunk.gy()};
            for (int which = 0; which < 2; which++) {
                for (int i = 0; i < n; i++) {
                    for (int k = 0; k < d; k++) {
                        double keep = p[which][i][k];
                        p[which][i][k] = keep + h;
                        double up = f.apply(p);
                        p[which][i][k] = keep - h;
                        double down = f.apply(p);
                        p[which][i][k] = keep;
                        double fd = (up - down) / (2 * h);
                        assertEquals(fd, grads[which][i * d + k], 1e-7, "autograd vs finite difference");
                        assertEquals(fd, chunkGrads[which][i * d + k], 1e-7, "chunked vs finite difference");
                    }
                }
            }
            for (int which = 0; which < 2; which++) {
                double keep = p[2][0][which];
                p[2][0][which] = keep + h;
                double up = f.apply(p);
                p[2][0][which] = keep - h;
                double down = f.apply(p);
                p[2][0][which] = keep;
                double fd = (up - down) / (2 * h);
                assertEquals(fd, which == 0 ? got.gt() : got.gb(), 1e-7, which == 0 ? "d/dt'" : "d/db");
                assertEquals(fd, which == 0 ? chunk.gt() : chunk.gb(), 1e-7, "chunked " + (which == 0 ? "d/dt'" : "d/db"));
            }
        }
    }

    @Test
    void multiHotLabelsAndRectangularBatch() {
        Random r = new Random(11);
        int n = 5;
        int m = 9; // several captions per image
        double[][] x = Reference.unitRows(r, n, 6);
        double[][] y = Reference.unitRows(r, m, 6);
        double[][] labels = new double[n][m];
        for (int j = 0; j < m; j++) {
            labels[j % n][j] = 1;
        }
        labels[0][3] = 1; // image 0 also matches a caption of image 3
        Reference.Result ref = Reference.sigmoidLoss(x, y, 2.0, -5, labels, Double.POSITIVE_INFINITY);
        for (LossForm form : new LossForm[] {FULL, chunked(2), chunked(4)}) {
            assertMatches(ref, autograd(x, y, 2.0, -5, labels, DataType.FLOAT64, form), 1e-10, "multi-hot");
        }
        // group ids through the DJL Loss: text j belongs to image j % n
        try (NDManager mm = NDManager.newBaseManager()) {
            long[] imageIds = {0, 1, 2, 3, 4};
            long[] textIds = new long[m];
            for (int j = 0; j < m; j++) {
                textIds[j] = j % n;
            }
            NDList preds = new NDList(Reference.array(mm, x, DataType.FLOAT64), Reference.array(mm, y, DataType.FLOAT64),
                    Reference.scalarArray(mm, 2.0, DataType.FLOAT64), Reference.scalarArray(mm, -5, DataType.FLOAT64));
            labels[0][3] = 0;
            Reference.Result byIds = Reference.sigmoidLoss(x, y, 2.0, -5, labels, Double.POSITIVE_INFINITY);
            NDArray l = SigmoidLoss.builder().build().evaluate(new NDList(mm.create(imageIds), mm.create(textIds)), preds);
            assertEquals(byIds.loss(), Reference.values(l)[0], 1e-12);
            NDArray lc = SigmoidLoss.builder().optChunkSize(2).build()
                    .evaluate(new NDList(mm.create(imageIds), mm.create(textIds)), preds);
            assertEquals(byIds.loss(), Reference.values(lc)[0], 1e-12);
        }
    }

    @Test
    void maxLogitScaleClampsScaleAndZeroesItsGradient() {
        Random r = new Random(5);
        double[][] x = Reference.unitRows(r, 6, 4);
        double[][] y = Reference.unitRows(r, 6, 4);
        for (double t : new double[] {Math.log(50), Math.log(300)}) {
            Reference.Result ref = Reference.sigmoidLoss(x, y, t, -10, null, 100);
            for (LossForm form : new LossForm[] {
                (a, b2, c, d, l) -> SigmoidLoss.sigmoidLoss(a, b2, c, d, l, 100),
                (a, b2, c, d, l) -> SigmoidLoss.chunkedLoss(a, b2, c, d, l, 4, 100)}) {
                Djl got = autograd(x, y, t, -10, null, DataType.FLOAT64, form);
                assertMatches(ref, got, 1e-10, "t'=" + t);
            }
        }
        assertEquals(0.0, Reference.sigmoidLoss(x, y, Math.log(300), -10, null, 100).gt());
    }

    @Test
    void djlLossWithLogitScaleBiasBlock() {
        Random r = new Random(9);
        double[][] x = Reference.unitRows(r, 8, 5);
        double[][] y = Reference.unitRows(r, 8, 5);
        Reference.Result ref = Reference.sigmoidLoss(x, y, Math.log(10), -10, null, Double.POSITIVE_INFINITY);
        LogitScaleBias head = LogitScaleBias.builder().build();
        try (NDManager m = NDManager.newBaseManager()) {
            head.initialize(m, DataType.FLOAT32, new ai.djl.ndarray.types.Shape(8, 5),
                    new ai.djl.ndarray.types.Shape(8, 5));
            NDList in = new NDList(Reference.array(m, x, DataType.FLOAT32), Reference.array(m, y, DataType.FLOAT32));
            for (SigmoidLoss loss : new SigmoidLoss[] {SigmoidLoss.builder().build(),
                SigmoidLoss.builder().optChunkSize(3).build()}) {
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    gc.zeroGradients(); // PyTorch accumulates into .grad across steps
                    NDList preds = head.forward(new ai.djl.training.ParameterStore(m, false), in, true);
                    NDArray l = loss.evaluate(new NDList(), preds);
                    assertEquals(ref.loss(), Reference.values(l)[0], 1e-5 * ref.loss());
                    gc.backward(l);
                }
                assertEquals(ref.gt(), Reference.values(head.getLogitScale().getArray().getGradient())[0],
                        1e-5 * Math.abs(ref.gt()) + 1e-6);
                assertEquals(ref.gb(), Reference.values(head.getLogitBias().getArray().getGradient())[0],
                        1e-5 * Math.abs(ref.gb()) + 1e-6);
                loss.addAccumulator("train");
                loss.updateAccumulator("train", new NDList(), new NDList(in.get(0), in.get(1),
                        head.getLogitScale().getArray(), head.getLogitBias().getArray()));
                assertEquals(ref.loss(), loss.getAccumulator("train"), 1e-5 * ref.loss());
            }
        }
        LogitScaleBias bounded = LogitScaleBias.builder().optInitLogitScale(Math.log(500)).optMaxLogitScale(100).build();
        try (NDManager m = NDManager.newBaseManager()) {
            bounded.initialize(m, DataType.FLOAT32, new ai.djl.ndarray.types.Shape(2, 3),
                    new ai.djl.ndarray.types.Shape(2, 3));
            bounded.clampLogitScale();
            assertEquals(Math.log(100), bounded.getLogitScale().getArray().getFloat(), 1e-6);
        }
    }

    @Test
    void rejectsBadInputs() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomNormal(new ai.djl.ndarray.types.Shape(3, 4));
            NDArray y = m.randomNormal(new ai.djl.ndarray.types.Shape(4, 4));
            NDArray t = m.create(new float[] {1});
            SiglipException e = assertThrows(SiglipException.class, () -> SigmoidLoss.sigmoidLoss(x, y, t, t));
            assertEquals(true, e.getMessage().contains("3 images and 4 texts"), e.getMessage());
            assertThrows(SiglipException.class, () -> SigmoidLoss.builder().optChunkSize(-1).build());
            assertThrows(SiglipException.class, () -> SigmoidLoss.builder().build().evaluate(new NDList(), new NDList(x)));
        }
    }
}
