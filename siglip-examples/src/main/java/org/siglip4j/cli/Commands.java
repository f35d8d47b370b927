package org.siglip4j.cli;

import java.util.List;

/** The registry of sub-commands, in the order {@code siglip --help} lists them. */
final class Commands {
    private Commands() {}

    static List<Object> all() {
        return List.of(
                new ClassifyCommand(),
                new EmbedCommand(),
                new SimilarityCommand(),
                new EvalZeroShotCommand(),
                new EvalRetrievalCommand(),
                new FinetuneCommand(),
                new DownloadCommand(),
                new ConvertTokenizerCommand(), new ConvertCommand(),
                new ExportOnnxCommand(),
                new TrainDemoCommand(),
                new BenchCommand(),
                new CalibrateCommand());
    }
}
