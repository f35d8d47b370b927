package org.siglip4j.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import org.siglip4j.core.model.CheckpointedFeatures;
import org.siglip4j.core.model.PretrainedSiglip;
import org.siglip4j.core.nn.GradMode;
import org.siglip4j.loss.ShardedLossResult;
import org.siglip4j.loss.ShardedSigmoidLoss;
import org.siglip4j.train.data.Collator;
import org.siglip4j.train.data.ImageTextCollator;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The sigmoid loss over the whole global batch (SigLIP fine-tuning).
 *
 * <p>Each device runs its towers on its pieces with its own parameter replica; the sharded sigmoid
 * loss ({@link ShardedSigmoidLoss}) scores every image against every text of the global batch and
 * returns d loss / d embeddings per piece; each piece then back-propagates {@code sum(emb * grad)}
 * through its towers. With {@code accumulate > 1} the embeddings of all micro-batches are computed
 * first without a graph and each micro-batch is run again with one (gradient caching), so the loss
 * is exactly the single-batch loss. How the towers run (SigLIP, checkpointed SigLIP, NaFlex) is
 * the {@link TowerForward} chosen when the trainer is built.
 */
final class ContrastiveTask implements TrainingTask<ImageTextCollator.Tensors> {
    private final TowerForward forward;
    private final ImageTextCollator collator;
    private final Parameter logitScale;
    private final Parameter logitBias;
    private final ShardedSigmoidLoss loss;
    private final boolean towersTrain;

    ContrastiveTask(TowerForward forward, ImageTextCollator collator, Parameter logitScale, Parameter logitBias,
                    double maxLogitScale, boolean towersTrain) {
        this.forward = forward;
        this.collator = collator;
        this.logitScale = logitScale;
        this.logitBias = logitBias;
        this.loss = ShardedSigmoidLoss.builder().optMaxLogitScale(maxLogitScale).build();
        this.towersTrain = towersTrain;
    }

    @Override
    public String unit() {
        return "pairs";
    }

    @Override
    public Collator<ImageTextCollator.Tensors> collator() {
        return collator;
    }

    @Override
    public double forwardBackward(ImageTextCollator.Tensors batch, StepContext step) {
        int pieces = step.pieces();
        List<NDManager> pieceManagers = new ArrayList<>();
        List<NDList> px = new ArrayList<>();
        List<NDArray> tok = new ArrayList<>();
        for (int p = 0; p < pieces; p++) {
            NDManager pm = step.newPieceManager(p);
            pieceManagers.add(pm);
            NDList piece = new NDList();
            for (NDArray a : batch.images()) {
                piece.add(step.piece(a, p, pm));
            }
            px.add(piece);
            tok.add(step.piece(batch.inputIds(), p, pm));
        }
        NDArray t = logitScale.getArray();
        NDArray b = logitBias.getArray();
        // Ops on t and b would put their results into the model's manager for good; lend the
        // two parameters to this step's manager instead (they go back when it closes).
        t.tempAttach(step.manager());
        b.tempAttach(step.manager());
        NDArray labels = batch.positives();
        ShardedLossResult r;
        if (step.accumulate() == 1) {
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                List<Towers> towers = new ArrayList<>();
                for (int p = 0; p < pieces; p++) {
                    towers.add(towers(step, p, pieceManagers.get(p), px.get(p), tok.get(p)));
                }
                r = computeLoss(towers.stream().map(Towers::image).toList(),
                        towers.stream().map(Towers::text).toList(), t, b, labels, step);
                for (int p = 0; p < pieces; p++) {
                    backward(gc, p, r, towers.get(p));
                }
                gc.backward(r.scaleBiasSurrogate(t, b));
            }
        } else {
            List<NDArray> img = new ArrayList<>();
            List<NDArray> txt = new ArrayList<>();
            try (GradMode off = GradMode.disabled()) {
                for (int p = 0; p < pieces; p++) {
                    Towers tw = towers(step, p, pieceManagers.get(p), px.get(p), tok.get(p));
                    img.add(tw.image());
                    txt.add(tw.text());
                }
            }
            r = computeLoss(img, txt, t, b, labels, step);
            for (int p = 0; p < pieces && towersTrain; p++) {
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    backward(gc, p, r, towers(step, p, pieceManagers.get(p), px.get(p), tok.get(p)));
                }
            }
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(r.scaleBiasSurrogate(t, b));
            }
        }
        double value = r.loss().toType(DataType.FLOAT64, false).getDouble();
        // The pieces' activations are done with; replica gradients live in the replicas' manager.
        pieceManagers.forEach(NDManager::close);
        return value;
    }

    private ShardedLossResult computeLoss(List<NDArray> img, List<NDArray> txt, NDArray t, NDArray b,
                                          NDArray labels, StepContext step) {
        ShardedLossResult r;
        // The loss is differentiated analytically; no graph may be recorded through it.
        try (GradMode off = GradMode.disabled()) {
            r = loss.compute(img, txt, t, b, labels);
        }
        double value = r.loss().toType(DataType.FLOAT64, false).getDouble();
        if (!Double.isFinite(value)) {
            // Thrown before any backward pass: the gradients stay as they were.
            throw step.nonFinite("loss", value);
        }
        return r;
    }

    /**
     * Back-propagates a surrogate unless no tower trains at all. (DJL's {@code hasGradient()}
     * reports whether a {@code .grad} exists, not whether an array is in the graph, so the
     * decision is taken from the parameters.)
     */
    private void backward(GradientCollector gc, int piece, ShardedLossResult r, Towers towers) {
        if (towersTrain) {
            gc.backward(r.towerSurrogate(piece, towers.image(), towers.text()));
            for (CheckpointedFeatures c : towers.checkpointed()) {
                c.backward();
            }
        }
        towers.checkpointed().forEach(CheckpointedFeatures::close);
    }

    /** One piece's normalised embeddings under autograd, with its checkpointed runs. */
    private record Towers(NDArray image, NDArray text, List<CheckpointedFeatures> checkpointed) {}

    private Towers towers(StepContext step, int piece, NDManager pm, NDList images, NDArray ids) {
        TowerForward.Features f = forward.run(step.store(piece, pm), images, ids);
        return new Towers(PretrainedSiglip.l2normalize(f.image()), PretrainedSiglip.l2normalize(f.text()),
                f.checkpointed());
    }

    /** Adds t' and b to each metrics row. */
    @Override
    public void addMetrics(Map<String, Object> row) {
        row.put("logit_scale", logitScale.getArray().getFloat());
        row.put("logit_bias", logitBias.getArray().getFloat());
    }

    @Override
    public String checkpointTask() {
        return null;
    }

    @Override
    public boolean releasesGradients() {
        return true;
    }
}
