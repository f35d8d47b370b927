package org.siglip4j.cli;

import java.nio.file.Path;
import org.siglip4j.core.hub.HubConfig;
import org.siglip4j.core.pipeline.SiglipPipelines;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code siglip download google/siglip-base-patch16-224}. */
@Command(name = "download", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Download a SigLIP model from the Hugging Face hub into the local cache (the same cache as "
                + "Python's huggingface_hub; files already there are not fetched again) and print its folder.",
            "Fetched: config.json, preprocessor_config.json, tokenizer files and the safetensors weights.",
            "Environment: HF_ENDPOINT, HF_TOKEN, HF_HOME / HF_HUB_CACHE, HF_HUB_OFFLINE."})
final class DownloadCommand extends SiglipCommand {
    @Parameters(index = "0", paramLabel = "ID", description = "Hub id, e.g. google/siglip-base-patch16-224.")
    String id;

    @Option(names = {"-r", "--revision"}, paramLabel = "REV",
            description = "Branch, tag or commit hash (default: main).")
    String revision;

    @Option(names = "--cache-dir", paramLabel = "DIR",
            description = "Hub cache folder (default: HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub).")
    Path cacheDir;

    @Option(names = "--endpoint", paramLabel = "URL", description = "Hub URL (default: HF_ENDPOINT, else "
            + HubConfig.DEFAULT_ENDPOINT + ").")
    String endpoint;

    @Option(names = "--offline", description = "Use only the cache, never the network (as HF_HUB_OFFLINE=1).")
    boolean offline;

    @Mixin
    ProgressOption progress;

    @Override
    public Integer call() {
        HubConfig config = HubConfig.fromEnvironment();
        if (cacheDir != null) {
            config = config.withCacheDir(cacheDir);
        }
        if (endpoint != null) {
            config = config.withEndpoint(endpoint);
        }
        if (offline) {
            config = config.withOffline(true);
        }
        Path dir;
        try (ProgressBars.Downloads bars = ProgressBars.downloads(spec.commandLine().getErr(), progress.show())) {
            dir = SiglipPipelines.download(id, revision, config, bars);
        }
        spec.commandLine().getOut().println(dir);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
