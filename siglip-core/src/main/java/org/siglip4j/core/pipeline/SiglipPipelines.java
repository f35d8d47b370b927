package org.siglip4j.core.pipeline;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.hub.DownloadListener;
import org.siglip4j.core.hub.HubConfig;
import org.siglip4j.core.checkpoint.format.CheckpointFormats;
import org.siglip4j.core.hub.ModelLocator;
import org.siglip4j.core.hub.RepoId;

/**
 * Where a pipeline's model comes from and where it runs. Every model reference given by a user
 * (command line, configuration) goes through {@link #resolveModel(String)}.
 */
public final class SiglipPipelines {
    private SiglipPipelines() {}

    /**
     * Resolves a model reference to a local Hugging Face model folder, downloading a hub model
     * into the hub cache when needed; hub settings come from the environment ({@code HF_ENDPOINT},
     * {@code HF_TOKEN}, {@code HF_HUB_CACHE}, {@code HF_HUB_OFFLINE}, see {@link HubConfig}).
     *
     * @param folderOrHubId a folder holding {@code config.json} and the weights, or a hub id such
     *     as {@code google/siglip-base-patch16-224}
     * @return the folder
     * @throws SiglipException if the folder is missing or is not a model folder, or the hub model
     *     cannot be found or fetched (and is not cached)
     */
    public static Path resolveModel(String folderOrHubId) {
        return resolveModel(folderOrHubId, null, null, DownloadListener.NONE);
    }

    /**
     * Resolves a model reference with explicit hub settings.
     *
     * @param folderOrHubId a model folder or a hub id
     * @param revision branch, tag or commit of a hub model; null for {@code main}
     * @param hub hub settings; null for {@link HubConfig#fromEnvironment()}
     * @param listener progress of each downloaded file
     * @return the folder
     */
    public static Path resolveModel(String folderOrHubId, String revision, HubConfig hub,
            DownloadListener listener) {
        if (folderOrHubId == null || folderOrHubId.isBlank()) {
            throw new SiglipException("no model given: pass a model folder or a hub id such as "
                    + "google/siglip-base-patch16-224");
        }
        folderOrHubId = ModelLocator.stripHubScheme(folderOrHubId.strip());
        Path local = null;
        try {
            local = Paths.get(folderOrHubId);
        } catch (InvalidPathException e) {
            // can only be a hub id
        }
        Path dir;
        if (local != null && (Files.isDirectory(local) || Files.isRegularFile(local)
                && local.getFileName().toString().endsWith(".npz"))) {
            dir = CheckpointFormats.asHuggingFace(local);
        } else {
            String s = folderOrHubId.strip();
            boolean pathLike = s.startsWith("/") || s.startsWith(".") || s.startsWith("~") || s.contains("\\");
            if (!pathLike && RepoId.isValid(s)) {
                return CheckpointFormats.asHuggingFace(download(s, revision, hub, listener));
            }
            // not a hub id: the locator explains what is wrong with the folder name
            ModelLocator locator = new ModelLocator(hub == null ? HubConfig.fromEnvironment() : hub);
            dir = locator.resolve(s, revision);
        }
        if (!Files.isRegularFile(dir.resolve("config.json"))) {
            throw new SiglipException("'" + folderOrHubId + "' is a folder but not a model folder: it has no "
                    + "config.json (expected a Hugging Face SigLIP folder with config.json, model.safetensors, "
                    + "preprocessor_config.json and a tokenizer; or an open_clip folder with open_clip_config.json, a timm "
                    + "folder whose config.json names an architecture, or a big_vision .npz)");
        }
        return dir.toAbsolutePath().normalize();
    }

    /**
     * Downloads a hub model into the cache (files already cached are not fetched again).
     *
     * @param repoId hub id
     * @param revision branch, tag or commit; null for {@code main}
     * @param hub hub settings; null for {@link HubConfig#fromEnvironment()}
     * @param listener progress of each file
     * @return the snapshot folder holding the model
     */
    public static Path download(String repoId, String revision, HubConfig hub, DownloadListener listener) {
        ModelLocator locator = new ModelLocator(hub == null ? HubConfig.fromEnvironment() : hub);
        return locator.download(repoId, revision, listener == null ? DownloadListener.NONE : listener);
    }

    /**
     * Picks the device to run on.
     *
     * @param name {@code "cpu"}, {@code "gpu"}/{@code "cuda"} (the first GPU), {@code "cuda:N"} or
     *     {@code "gpu:N"} (GPU N), or null/blank for the first GPU when the engine sees one, else the CPU
     * @return the device
     * @throws SiglipException for an unknown name, or a GPU when the engine sees none or fewer
     */
    public static Device device(String name) {
        int gpus = Engine.getInstance().getGpuCount();
        if (name == null || name.isBlank()) {
            return gpus > 0 ? Device.gpu() : Device.cpu();
        }
        String n = name.trim().toLowerCase(Locale.ROOT);
        if ("cpu".equals(n)) {
            return Device.cpu();
        }
        int colon = n.indexOf(':');
        String kind = colon < 0 ? n : n.substring(0, colon);
        if (!"gpu".equals(kind) && !"cuda".equals(kind)) {
            throw new SiglipException("unknown device '" + name + "': expected cpu, gpu, cuda or cuda:N");
        }
        int id;
        try {
            id = colon < 0 ? 0 : Integer.parseInt(n.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new SiglipException("unknown device '" + name + "': the GPU index after ':' must be a number");
        }
        if (gpus == 0) {
            Engine e = Engine.getInstance();
            throw new SiglipException("a GPU was asked for but the " + e.getEngineName() + " engine ("
                    + e.getVersion() + ") sees none; use --device cpu, or run with a CUDA build of the "
                    + "engine on a machine with an NVIDIA GPU and a matching driver (see docs/gpu.md)");
        }
        if (id < 0 || id >= gpus) {
            throw new SiglipException("device '" + name + "' does not exist: the engine sees " + gpus
                    + " GPU(s), cuda:0 to cuda:" + (gpus - 1));
        }
        return Device.gpu(id);
    }

    /**
     * Picks several devices, one per data-parallel shard.
     *
     * @param names a comma-separated list such as {@code "cuda:0,cuda:1"}; each entry as in
     *     {@link #device(String)}; null/blank for the single default device
     * @return the devices, in the order given
     * @throws SiglipException for an unknown or absent device, or one named twice
     */
    public static List<Device> devices(String names) {
        if (names == null || names.isBlank()) {
            return List.of(device(null));
        }
        List<Device> out = new ArrayList<>();
        for (String part : names.split(",")) {
            Device d = device(part);
            if (out.contains(d)) {
                throw new SiglipException("device '" + part.trim() + "' is named twice in '" + names
                        + "'; for several replicas on one device use --devices K instead");
            }
            out.add(d);
        }
        return List.copyOf(out);
    }
}
