package org.siglip4j.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SoftmaxLossTest {

    @Test
    void matchesDoubleReferenceAndFiniteDifferences() {
        Random r = new Random(2);
        int n = 6;
        int d = 4;
        double[][] x = Reference.unitRows(r, n, d);
        double[][] y = Reference.unitRows(r, n, d);
        double t = Math.log(20);
        SigmoidLossTest.Djl got = SigmoidLossTest.autograd(x, y, t, 0, null, DataType.FLOAT64,
                (a, b, c, e, l) -> SoftmaxLoss.softmaxLoss(a, b, c, l).add(e.mul(0).sum()));
        assertEquals(Reference.softmaxLoss(x, y, t, null), got.loss(), 1e-12);
        double h = 1e-6;
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < d; k++) {
                double keep = x[i][k];
                x[i][k] = keep + h;
                double up = Reference.softmaxLoss(x, y, t, null);
                x[i][k] = keep - h;
                double down = Reference.softmaxLoss(x, y, t, null);
                x[i][k] = keep;
                assertEquals((up - down) / (2 * h), got.gx()[i * d + k], 1e-7, "d/dx");
            }
        }
        double fdT = (Reference.softmaxLoss(x, y, t + h, null) - Reference.softmaxLoss(x, y, t - h, null)) / (2 * h);
        assertEquals(fdT, got.gt(), 1e-7, "d/dt'");
    }

    @Test
    void multiHotLabelsAsDjlLoss() {
        Random r = new Random(4);
        double[][] x = Reference.unitRows(r, 3, 5);
        double[][] y = Reference.unitRows(r, 5, 5);
        double[][] labels = {{1, 0, 0, 1, 0}, {0, 1, 0, 0, 1}, {0, 0, 1, 0, 0}};
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray l = new SoftmaxLoss().evaluate(new NDList(Reference.array(m, labels, DataType.FLOAT64)),
                    new NDList(Reference.array(m, x, DataType.FLOAT64), Reference.array(m, y, DataType.FLOAT64),
                            Reference.scalarArray(m, 2.5, DataType.FLOAT64)));
            assertEquals(Reference.softmaxLoss(x, y, 2.5, labels), Reference.values(l)[0], 1e-12);
        }
    }
}
