package org.siglip4j.core.djl;

import ai.djl.repository.Artifact;
import ai.djl.repository.LocalRepository;
import ai.djl.repository.MRL;
import ai.djl.repository.Metadata;
import ai.djl.repository.Repository;
import ai.djl.repository.RepositoryFactory;
import ai.djl.repository.SimpleRepository;
import ai.djl.util.JsonUtils;
import com.google.gson.JsonParseException;
import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.siglip4j.core.config.SiglipConfig;

/**
 * DJL's repository for {@code file:} model locations, registered through
 * {@code META-INF/services/ai.djl.repository.RepositoryFactory}, so that a plain
 * {@code Criteria.builder().setTypes(Image.class, Classifications.class).optModelPath(folder)} loads
 * a Hugging Face SigLIP folder with nothing siglip4j-specific in the criteria.
 *
 * <p>DJL's model loader takes a model's arguments and options from three places, in this order of
 * precedence: the criteria, the repository's artifact, the folder's {@code serving.properties}. Its
 * translator factory is chosen from the first two only, before {@code serving.properties} is read.
 * So for a folder whose {@code config.json} says {@code model_type: siglip*} this repository gives
 * the artifact what {@link SiglipCriteria#builder} would put in the criteria: the engine, the
 * {@link SiglipBlockFactory}, the {@link SiglipTranslatorFactory} and the option
 * {@code hasParameter=false} (the weights are the folder's safetensors, not a DJL parameter file).
 * Anything the criteria set still wins. Every other {@code file:} location is served exactly as
 * DJL's own factory serves it (a {@code LocalRepository} when a sub-folder holds a
 * {@code metadata.json}, else a {@code SimpleRepository}).
 */
public final class SiglipRepositoryFactory implements RepositoryFactory {
    /** Largest {@code config.json} read to recognise a folder: HF SigLIP configs are a few KB. */
    private static final long MAX_CONFIG_BYTES = 1 << 20;

    @Override
    public Repository newInstance(String name, URI uri) {
        Path path = Paths.get(filePath(uri));
        if (isSiglipFolder(path)) {
            return new SiglipFolderRepository(name, uri, path);
        }
        if (hasLocalRepositoryMetadata(path)) {
            return new LocalRepository(name, path.toUri(), path) {};
        }
        return new SimpleRepository(name, uri, path) {};
    }

    @Override
    public Set<String> getSupportedScheme() {
        return Set.of("file");
    }

    /** The path of a {@code file:} URI as DJL reads it ({@code file:/abs}, {@code file:rel}, Windows' {@code /C:/}). */
    private static String filePath(URI uri) {
        String path = uri.getPath() != null ? uri.getPath() : uri.getSchemeSpecificPart();
        if (path.startsWith("file:")) {
            path = path.substring(5);
        }
        if (path.startsWith("/") && System.getProperty("os.name", "").startsWith("Win")) {
            path = path.substring(1);
        }
        return path;
    }

    /**
     * Whether a path is a Hugging Face SigLIP (or SigLIP 2) folder: a {@code config.json} whose
     * {@code model_type} starts with {@code siglip}. Never throws: anything unreadable is not one.
     *
     * @param path a model location
     * @return true for a SigLIP folder
     */
    public static boolean isSiglipFolder(Path path) {
        Path config = path.resolve("config.json");
        try {
            if (!Files.isDirectory(path) || !Files.isRegularFile(config) || Files.size(config) > MAX_CONFIG_BYTES) {
                return false;
            }
        } catch (IOException e) {
            return false;
        }
        return SiglipConfig.modelType(config).filter(t -> t.startsWith("siglip")).isPresent();
    }

    /** DJL's own test for a {@code LocalRepository}: a sub-folder holds a DJL {@code metadata.json}. */
    private static boolean hasLocalRepositoryMetadata(Path root) {
        if (!Files.isDirectory(root)) {
            return false;
        }
        try (Stream<Path> files = Files.walk(root)) {
            return files.anyMatch(f -> Files.isRegularFile(f) && !root.equals(f.getParent())
                    && "metadata.json".equals(f.getFileName().toString()) && isDjlMetadata(f));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static boolean isDjlMetadata(Path file) {
        try (Reader reader = Files.newBufferedReader(file)) {
            Metadata metadata = JsonUtils.GSON.fromJson(reader, Metadata.class);
            return metadata != null && metadata.getMetadataVersion() != null && metadata.getArtifacts() != null;
        } catch (IOException | JsonParseException e) {
            return false;
        }
    }

    /** A SigLIP folder: DJL's {@code SimpleRepository} whose artifact carries the SigLIP settings. */
    private static final class SiglipFolderRepository extends SimpleRepository {
        SiglipFolderRepository(String name, URI uri, Path path) {
            super(name, uri, path);
        }

        @Override
        public Metadata locate(MRL mrl) throws IOException {
            Metadata metadata = super.locate(mrl);
            for (Artifact artifact : metadata.getArtifacts()) {
                Map<String, Object> args = artifact.getArguments();
                args.putIfAbsent("engine", "PyTorch");
                args.putIfAbsent("blockFactory", SiglipBlockFactory.class.getName());
                args.putIfAbsent("translatorFactory", SiglipTranslatorFactory.class.getName());
                Map<String, String> options = new ConcurrentHashMap<>(artifact.getOptions(null));
                options.putIfAbsent("hasParameter", "false");
                artifact.setOptions(options);
            }
            return metadata;
        }
    }
}
