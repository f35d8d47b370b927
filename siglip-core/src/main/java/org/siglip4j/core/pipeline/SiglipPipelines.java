package org.siglip4j.core.pipeline;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;
import org.siglip4j.core.SiglipException;

/**
 * Where a pipeline's model comes from and where it runs. Every model reference given by a user
 * (command line, configuration) goes through {@link #resolveModel(String)}.
 */
public final class SiglipPipelines {
    private SiglipPipelines() {}

    /**
     * Resolves a model reference to a local Hugging Face model folder.
     *
     * @param folderOrHubId a folder holding {@code config.json} and the weights
     * @return the folder, absolute
     * @throws SiglipException if the folder is missing or is not a model folder
     */
    public static Path resolveModel(String folderOrHubId) {
        if (folderOrHubId == null || folderOrHubId.isBlank()) {
            throw new SiglipException("no model given: pass a model folder");
        }
        Path dir;
        try {
            dir = Paths.get(folderOrHubId);
        } catch (InvalidPathException e) {
            throw new SiglipException("not a valid model folder name: '" + folderOrHubId + "'");
        }
        if (Files.isDirectory(dir)) {
            if (!Files.isRegularFile(dir.resolve("config.json"))) {
                throw new SiglipException("'" + folderOrHubId + "' is a folder but not a model folder: it has no "
                        + "config.json (expected a Hugging Face SigLIP folder with config.json, model.safetensors, "
                        + "preprocessor_config.json and a tokenizer)");
            }
            return dir.toAbsolutePath().normalize();
        }
        if (Files.exists(dir)) {
            throw new SiglipException("'" + folderOrHubId + "' is a file; a model is a folder (config.json, "
                    + "model.safetensors, ...)");
        }
        throw new SiglipException("model folder not found: '" + folderOrHubId + "'");
    }

    /**
     * Picks the device to run on.
     *
     * @param name {@code "cpu"}, {@code "gpu"} (the first GPU) or null/blank for the first GPU
     *     when the engine sees one, else the CPU
     * @return the device
     * @throws SiglipException for an unknown name, or {@code "gpu"} when the engine sees none
     */
    public static Device device(String name) {
        int gpus = Engine.getInstance().getGpuCount();
        if (name == null || name.isBlank()) {
            return gpus > 0 ? Device.gpu() : Device.cpu();
        }
        switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "cpu":
                return Device.cpu();
            case "gpu":
            case "cuda":
                if (gpus == 0) {
                    Engine e = Engine.getInstance();
                    throw new SiglipException("a GPU was asked for but the " + e.getEngineName() + " engine ("
                            + e.getVersion() + ") sees none; use --device cpu, or run with a CUDA build of the "
                            + "engine on a machine with an NVIDIA GPU");
                }
                return Device.gpu();
            default:
                throw new SiglipException("unknown device '" + name + "': expected cpu or gpu");
        }
    }
}
