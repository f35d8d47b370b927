package org.siglip4j.core.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.nn.KernelCalibration.Direction;
import org.siglip4j.core.nn.KernelCalibration.LinearTiming;
import org.siglip4j.core.nn.LinearCalibration.Candidate;
import org.siglip4j.core.nn.LinearCalibration.LinearShape;
import org.siglip4j.core.nn.LinearCalibration.Picks;

/**
 * The calibration's decision (given measured times, no clock involved) and its value check (a
 * candidate made wrong on purpose is flagged, and never picked).
 */
class LinearCalibrationTest {
    private static final LinearKernel MKL = LinearKernel.LINEAR;
    private static final LinearKernel DNN = LinearKernel.ONEDNN_CONV;

    private static LinearTiming t(String use, long rows, Direction d, LinearKernel k, double ms, boolean correct) {
        return new LinearTiming(use, 768, 3072, rows, d, k, ms, correct ? 1e-7 : 0.5, correct);
    }

    /** Both kernels right on one shape: the engine's linear and oneDNN take these times forward and backward. */
    private static List<LinearTiming> both(double mklForward, double dnnForward, double mklBackward, double dnnBackward) {
        return new ArrayList<>(List.of(t("vision inference", 1568, Direction.FORWARD, MKL, mklForward, true),
                t("vision inference", 1568, Direction.FORWARD, DNN, dnnForward, true),
                t("vision inference", 1568, Direction.BACKWARD, MKL, mklBackward, true),
                t("vision inference", 1568, Direction.BACKWARD, DNN, dnnBackward, true)));
    }

    /** oneDNN faster forward, slower backward: forward + backward decides training. */
    @Test
    void picksTheFasterCorrectKernelPerDirection() {
        assertEquals(new Picks(DNN, MKL), LinearCalibration.pick(both(100, 70, 200, 300)));
        assertEquals(new Picks(DNN, DNN), LinearCalibration.pick(both(100, 70, 200, 150)));
        assertEquals(new Picks(MKL, DNN), LinearCalibration.pick(both(100, 120, 200, 150)));
        assertEquals(new Picks(MKL, MKL), LinearCalibration.pick(both(100, 120, 200, 250)));
    }

    /** A kernel wrong at any shape, a probe included, is rejected however fast it is. */
    @Test
    void aWrongKernelIsNeverPicked() {
        List<LinearTiming> timings = both(100, 10, 200, 20);
        timings.add(t("probe", 733, Direction.FORWARD, MKL, 1, true));
        timings.add(t("probe", 733, Direction.FORWARD, DNN, 1, false));
        assertEquals(new Picks(MKL, MKL), LinearCalibration.pick(timings));
        // wrong backward only: still fine for inference, never for training
        timings.set(5, t("probe", 733, Direction.FORWARD, DNN, 1, true));
        timings.add(t("probe", 733, Direction.BACKWARD, DNN, 1, false));
        assertEquals(new Picks(DNN, MKL), LinearCalibration.pick(timings));
    }

    /** Within the margin the engine's own linear stays; rows the layers never send to oneDNN do not count. */
    @Test
    void noiseAndUnusedShapesDoNotMoveThePick() {
        assertEquals(new Picks(MKL, MKL), LinearCalibration.pick(List.of(
                t("vision inference", 1568, Direction.FORWARD, MKL, 100, true),
                t("vision inference", 1568, Direction.FORWARD, DNN, 97, true))));
        assertEquals(new Picks(MKL, MKL), LinearCalibration.pick(List.of(
                t("text training", OneDnnLinear.MIN_ROWS - 1, Direction.FORWARD, MKL, 100, true),
                t("text training", OneDnnLinear.MIN_ROWS - 1, Direction.FORWARD, DNN, 10, true))));
    }

    @Test
    void noCorrectKernelIsAnError() {
        SiglipException e = assertThrows(SiglipException.class, () -> LinearCalibration.pick(List.of(
                t("vision inference", 1568, Direction.FORWARD, MKL, 100, false),
                t("vision inference", 1568, Direction.FORWARD, DNN, 90, false))));
        assertTrue(e.getMessage().contains("no linear kernel agrees"), e.getMessage());
    }

    /**
     * The measurement's value check against float64, on real tensors: the engine's linear passes
     * everywhere; a stand-in that adds 0.01 to every output is flagged wrong forward (its gradients
     * are right), one whose gradients are doubled is flagged wrong backward (its outputs are right).
     */
    @Test
    void theValueCheckFlagsWrongCandidates() {
        Candidate plain = new Candidate(MKL, MKL::apply);
        Candidate shifted = new Candidate(DNN, (x, w, b) -> MKL.apply(x, w, b).add(0.01f));
        Candidate doubledGrad = new Candidate(DNN, (x, w, b) -> {
            NDArray y = MKL.apply(x, w, b);
            return y.mul(2f).sub(y.stopGradient());
        });
        List<LinearShape> shapes = List.of(new LinearShape("vision inference", 32, 48, 64));
        List<LinearTiming> withShifted = LinearCalibration.measure(List.of(plain, shifted), shapes, 1, line -> { });
        for (LinearTiming t : withShifted) {
            boolean expected = t.kernel() == MKL || t.direction() == Direction.BACKWARD;
            assertEquals(expected, t.correct(), t.toString());
            assertTrue(t.millis() >= 0, t.toString());
        }
        assertEquals(new Picks(MKL, MKL), LinearCalibration.pick(withShifted));
        List<LinearTiming> withDoubled = LinearCalibration.measure(List.of(plain, doubledGrad), shapes, 1, line -> { });
        for (LinearTiming t : withDoubled) {
            boolean expected = t.kernel() == MKL || t.direction() == Direction.FORWARD;
            assertEquals(expected, t.correct(), t.toString());
        }
        assertEquals(MKL, LinearCalibration.pick(withDoubled).training());
        assertFalse(withDoubled.stream().anyMatch(t -> t.use().equals("probe") && t.kernel() == MKL && !t.correct()));
        // every shape, the probes included, is measured in both directions for both candidates
        assertEquals(2 * 2 * (shapes.size() + LinearCalibration.PROBES.size()), withDoubled.size());
    }
}
