package org.siglip4j.cli;

import java.nio.file.Path;
import java.util.Arrays;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.checkpoint.format.CheckpointFormats;
import org.siglip4j.core.checkpoint.format.CheckpointFormats.Format;
import org.siglip4j.core.hub.ModelLocator;
import org.siglip4j.core.hub.RepoId;
import org.siglip4j.core.pipeline.SiglipPipelines;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code siglip convert --model ANY --to hf|open_clip --out DIR}. */
@Command(name = "convert", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write a SigLIP checkpoint in another library's layout.",
            "Reads: Hugging Face folders and hub ids, open_clip folders (open_clip_config.json; hf-hub: ids too), "
                    + "timm image towers, big_vision .npz files. Writes: hf (transformers' SiglipModel folder) or "
                    + "open_clip (open_clip_config.json + open_clip_model.safetensors, for create_model('local-dir:DIR')).",
            "See docs/formats.md."})
final class ConvertCommand extends SiglipCommand {
    @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL",
            description = "Model folder, .npz file or hub id, in any layout siglip4j reads.")
    String model;

    @Option(names = "--to", required = true, paramLabel = "hf|open_clip", description = "Layout to write.")
    String to;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "New (or empty) output folder.")
    Path out;

    @Override
    public Integer call() {
        Format target = Arrays.stream(Format.values()).filter(f -> f.cliName().equals(to)).findFirst()
                .filter(f -> f == Format.HUGGING_FACE || f == Format.OPEN_CLIP)
                .orElseThrow(() -> new CommandLine.ParameterException(spec.commandLine(),
                        "--to must be hf or open_clip, got '" + to + "'"));
        Path source = SiglipPipelines.resolveModel(model, null, null, null);
        try {
            // open_clip reads the tokenizer of a hub model from the repo its config names
            String stripped = ModelLocator.stripHubScheme(model.strip());
            String tokenizerName = RepoId.isValid(stripped) && !java.nio.file.Files.exists(Path.of(stripped))
                    ? stripped : "local-dir";
            CheckpointFormats.convert(source, target, out, tokenizerName);
        } catch (SiglipException e) {
            throw new SiglipException("cannot convert " + model + " to " + to + ": " + e.getMessage(), e);
        }
        spec.commandLine().getOut().println("wrote " + out + " (" + to + " layout)");
        return 0;
    }
}
