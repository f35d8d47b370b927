package org.siglip4j.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.engine.EngineType;
import org.siglip4j.core.engine.ExecutionPolicy;
import org.siglip4j.core.engine.PyTorchEngine;
import org.siglip4j.core.engine.SiglipEngine;
import org.siglip4j.core.model.SiglipModel;
import org.siglip4j.core.processing.RgbImage;
import org.siglip4j.core.processing.SiglipImageProcessor;
import org.siglip4j.core.processing.SiglipProcessor;

/**
 * The SigLIP-backed {@link EmbeddingModel}: a Hugging Face model folder ({@code config.json},
 * {@code model.safetensors}, tokenizer and {@code preprocessor_config.json}) loaded with {@link
 * SiglipModel} and {@link SiglipProcessor}.
 *
 * <pre>{@code
 * try (SiglipEmbeddingModel m = SiglipEmbeddingModel.load(dir, ImagePreprocessing.RESIZE)) {
 *     ZeroShotResult r = ZeroShotEvaluator.builder().setModel(m).build()
 *             .evaluate(LabelledImageFolder.read(imagenetVal));
 * }
 * }</pre>
 *
 * <p>Images: {@link ImagePreprocessing#RESIZE} is the folder's {@link SiglipImageProcessor} as it
 * is (bit-exact with HF's {@code pixel_values} for PNG inputs); {@link
 * ImagePreprocessing#RESIZE_CENTER_CROP} first applies {@link BigVisionResizeCrop} (shorter side to
 * {@code floor(size / 0.875)} with the processor's Pillow filter, central {@code size x size}
 * crop), then the processor's rescale and normalisation. Texts: the folder's tokenizer (padded to
 * its max length, no attention mask, as SigLIP was trained). Each call runs one forward pass over
 * the whole list in a sub-manager that is closed before returning; callers batch ({@link
 * BatchEmbedder} does). The model's logit scale and bias are not used (see {@link EmbeddingModel}).
 *
 * <p>Calls may come from several threads: PyTorch serialises nothing itself here, but each call
 * only reads the weights. {@link #close()} releases the weights and the native tokenizer when this
 * instance loaded them.
 */
public final class SiglipEmbeddingModel implements EmbeddingModel, AutoCloseable {

    private final SiglipModel model;
    private final SiglipProcessor processor;
    private final ImagePreprocessing preprocessing;
    private final String id;
    private final int size;
    /** The root manager this instance created, or null when the caller owns model and processor. */
    private final NDManager ownedManager;
    /** The engine the towers run on (PyTorch unless a policy said otherwise). */
    private final SiglipEngine engine;
    /** The parent of each call's arrays. */
    private final NDManager calls;

    private SiglipEmbeddingModel(SiglipModel model, SiglipProcessor processor,
            ImagePreprocessing preprocessing, String id, NDManager ownedManager, SiglipEngine engine) {
        if (preprocessing == null) {
            throw new SiglipException("image preprocessing must be set (RESIZE or RESIZE_CENTER_CROP)");
        }
        SiglipImageProcessor images = processor.imageProcessor();
        int vision = model.config().visionConfig().imageSize();
        if (images.height() != images.width() || images.height() != vision) {
            throw new SiglipException("preprocessor_config.json size " + images.width() + "x"
                    + images.height() + " does not match config.json vision_config.image_size "
                    + vision + ": evaluation needs square " + vision + "x" + vision + " inputs");
        }
        this.processor = processor;
        this.preprocessing = preprocessing;
        this.id = id;
        this.size = vision;
        this.ownedManager = ownedManager;
        this.engine = engine == null ? new PyTorchEngine(model) : engine;
        this.calls = ownedManager != null ? ownedManager : model.manager();
        if (ownedManager != null && this.engine.type() != EngineType.PYTORCH) {
            // ONNX Runtime runs its own copy of the weights (the exported graphs): the PyTorch
            // model this instance loaded is not needed after the export, so its weights go now
            model.close();
            this.model = null;
        } else {
            this.model = model;
        }
    }

    /**
     * Loads a model folder or hub id (downloaded into the hub cache on first use) for evaluation
     * on the CPU.
     *
     * @param folderOrHubId a folder path or an id such as {@code google/siglip-base-patch16-224}
     * @param preprocessing how images are brought to the input size
     * @return the model; close it to free the weights
     */
    public static SiglipEmbeddingModel fromPretrained(String folderOrHubId, ImagePreprocessing preprocessing) {
        return load(org.siglip4j.core.pipeline.SiglipPipelines.resolveModel(folderOrHubId), preprocessing);
    }

    /**
     * Loads a model folder for evaluation on the CPU.
     *
     * @param modelDir a Hugging Face SigLIP folder
     * @param preprocessing how images are brought to the input size
     * @return the model; close it to free the weights
     */
    public static SiglipEmbeddingModel load(Path modelDir, ImagePreprocessing preprocessing) {
        return load(modelDir, preprocessing, ExecutionPolicy.DEFAULT);
    }

    /**
     * Loads a model folder for evaluation on the CPU under an execution policy (engine and
     * quantisation). Other engines or quantisations than the default get their own {@link #id()},
     * so the embedding cache never mixes their embeddings.
     *
     * @param modelDir a Hugging Face SigLIP folder
     * @param preprocessing how images are brought to the input size
     * @param policy the execution policy
     * @return the model; close it to free the weights
     */
    public static SiglipEmbeddingModel load(Path modelDir, ImagePreprocessing preprocessing,
            ExecutionPolicy policy) {
        if (!Files.isDirectory(modelDir)) {
            throw new SiglipException("model folder " + modelDir + " does not exist or is not a"
                    + " folder (expected config.json, model.safetensors, tokenizer and"
                    + " preprocessor_config.json)");
        }
        String id = modelId(modelDir) + (policy.equals(ExecutionPolicy.DEFAULT) ? ""
                : "+" + policy.engine().label() + "-" + policy.quantization().label());
        NDManager manager = NDManager.newBaseManager();
        SiglipModel model = null;
        try {
            model = SiglipModel.fromPretrained(modelDir, manager);
            SiglipProcessor processor = SiglipProcessor.load(modelDir);
            SiglipEngine engine = null;
            try {
                engine = SiglipEngine.open(model, modelDir, policy);
                return new SiglipEmbeddingModel(model, processor, preprocessing, id, manager, engine);
            } catch (RuntimeException e) {
                if (engine != null) {
                    engine.close();
                }
                processor.close();
                throw e;
            }
        } catch (RuntimeException e) {
            if (model != null) {
                model.close();
            }
            manager.close();
            throw e;
        }
    }

    /**
     * Wraps a model and processor the caller keeps owning ({@link #close()} leaves them open), for
     * example a freshly trained model or one built from a preset.
     *
     * @param model the model
     * @param processor its processor (input size equal to the model's image size)
     * @param id a stable identifier of the weights (cache key, see {@link EmbeddingModel#id()})
     * @param preprocessing how images are brought to the input size
     * @return the wrapper
     */
    public static SiglipEmbeddingModel of(SiglipModel model, SiglipProcessor processor, String id,
            ImagePreprocessing preprocessing) {
        if (model == null || processor == null || id == null || id.isBlank()) {
            throw new SiglipException("SiglipEmbeddingModel.of needs a model, a processor and a"
                    + " non-blank id");
        }
        return new SiglipEmbeddingModel(model, processor, preprocessing, id, null, null);
    }

    /**
     * The id of a model folder: its name, {@code @}, and the first 16 hex digits of a SHA-256 over
     * the contents of {@code config.json} and {@code preprocessor_config.json} and the name, size
     * and modification time of every {@code *.safetensors} / {@code *.safetensors.index.json}
     * file. Two folders with different weights (or a re-written checkpoint) therefore never share
     * an id, while hashing stays instant for multi-GB checkpoints; the same weights copied
     * elsewhere get another id (their mtime differs), which costs a re-embed, never a wrong hit.
     *
     * @param modelDir the model folder
     * @return e.g. {@code siglip-base-patch16-224@3f2a...}, or {@code
     *     google/siglip-base-patch16-224@<commit>@3f2a...} for a hub cache snapshot folder
     */
    public static String modelId(Path modelDir) {
        Path dir = modelDir.toAbsolutePath().normalize();
        Hasher h = Hashing.sha256().newHasher();
        try {
            for (String name : List.of("config.json", "preprocessor_config.json")) {
                Path f = dir.resolve(name);
                h.putString(name, StandardCharsets.UTF_8).putByte((byte) 0);
                if (Files.isRegularFile(f)) {
                    byte[] bytes = Files.readAllBytes(f);
                    h.putInt(bytes.length).putBytes(bytes);
                } else {
                    h.putInt(-1);
                }
            }
            List<Path> weights;
            try (Stream<Path> s = Files.list(dir)) {
                weights = s.filter(p -> {
                    String n = p.getFileName().toString();
                    return n.endsWith(".safetensors") || n.endsWith(".safetensors.index.json");
                }).sorted().toList();
            }
            for (Path f : weights) {
                BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
                h.putString(f.getFileName().toString(), StandardCharsets.UTF_8).putByte((byte) 0)
                        .putLong(a.size()).putLong(a.lastModifiedTime().toMillis());
            }
        } catch (IOException e) {
            throw new SiglipException("cannot read model folder " + dir + " to identify it: "
                    + e.getMessage(), e);
        }
        return displayName(dir) + "@" + h.hash().toString().substring(0, 16);
    }

    /** The folder name, or {@code org/name@commit12} for a Hugging Face cache snapshot folder. */
    private static String displayName(Path dir) {
        Path name = dir.getFileName();
        if (name == null) {
            return "model";
        }
        Path parent = dir.getParent();
        Path repo = parent == null ? null : parent.getParent();
        if (parent != null && repo != null && repo.getFileName() != null
                && "snapshots".equals(parent.getFileName().toString())
                && repo.getFileName().toString().startsWith("models--")) {
            String commit = name.toString();
            return repo.getFileName().toString().substring("models--".length()).replace("--", "/")
                    + "@" + commit.substring(0, Math.min(12, commit.length()));
        }
        return name.toString();
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String preprocessingId() {
        return preprocessing.id(size);
    }

    /**
     * The image preprocessing mode.
     *
     * @return the mode
     */
    public ImagePreprocessing preprocessing() {
        return preprocessing;
    }

    /**
     * The square input size.
     *
     * @return the side in pixels
     */
    public int imageSize() {
        return size;
    }

    /**
     * The wrapped model.
     *
     * @return the model; null when {@link #load(Path, ImagePreprocessing, ExecutionPolicy)} opened it on ONNX
     *     Runtime (its PyTorch weights are freed once the graphs are exported)
     */
    public SiglipModel model() {
        return model;
    }

    /**
     * The wrapped processor.
     *
     * @return the processor
     */
    public SiglipProcessor processor() {
        return processor;
    }

    /**
     * Brings a decoded image to the input size as this model's mode prescribes (before rescale and
     * normalisation).
     *
     * @param image the decoded image
     * @return a {@code size x size} image
     */
    public RgbImage prepare(RgbImage image) {
        SiglipImageProcessor images = processor.imageProcessor();
        if (preprocessing == ImagePreprocessing.RESIZE) {
            return images.resize(image);
        }
        return BigVisionResizeCrop.apply(image, preprocessing.resizeShorterSideTo(size), size,
                images.config().resample());
    }

    /**
     * Loads and preprocesses image files (in parallel) into {@code pixel_values}.
     *
     * @param images image files
     * @param manager owner of the result
     * @return float32 {@code [N, 3, size, size]}
     */
    public NDArray pixelValues(List<Path> images, NDManager manager) {
        SiglipImageProcessor p = processor.imageProcessor();
        if (preprocessing == ImagePreprocessing.RESIZE) {
            return p.preprocessFiles(images, manager);
        }
        RgbImage[] prepared = new RgbImage[images.size()];
        IntStream.range(0, prepared.length).parallel()
                .forEach(i -> prepared[i] = prepare(p.loadImage(images.get(i))));
        // already size x size: the processor's resize is an identity copy, then rescale+normalise
        return p.preprocess(List.of(prepared), manager);
    }

    @Override
    public float[][] embedImages(List<Path> images) {
        if (images.isEmpty()) {
            return new float[0][];
        }
        try (NDManager call = calls.newSubManager()) {
            NDArray pixels = pixelValues(images, call);
            return rows(engine.imageFeatures(pixels, true), images.size());
        }
    }

    @Override
    public float[][] embedTexts(List<String> texts) {
        if (texts.isEmpty()) {
            return new float[0][];
        }
        try (NDManager call = calls.newSubManager()) {
            NDArray ids = processor.processTexts(texts, call);
            return rows(engine.textFeatures(ids, true), texts.size());
        }
    }

    private static float[][] rows(NDArray embeds, int n) {
        long[] shape = embeds.getShape().getShape();
        if (shape.length != 2 || shape[0] != n) {
            throw new SiglipException("model returned embeddings of shape " + embeds.getShape()
                    + ", expected [" + n + ", D]");
        }
        int d = (int) shape[1];
        float[] flat = embeds.toFloatArray();
        List<float[]> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            float[] r = new float[d];
            System.arraycopy(flat, i * d, r, 0, d);
            out.add(r);
        }
        return out.toArray(new float[0][]);
    }

    @Override
    public void close() {
        engine.close();
        if (ownedManager != null) {
            try {
                if (model != null) {
                    model.close();
                }
                processor.close();
            } finally {
                ownedManager.close();
            }
        }
    }
}
