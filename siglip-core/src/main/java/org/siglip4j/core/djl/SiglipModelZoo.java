package org.siglip4j.core.djl;

import ai.djl.Application;
import ai.djl.MalformedModelException;
import ai.djl.repository.MRL;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelLoader;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ModelZoo;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.repository.zoo.ZooProvider;
import ai.djl.util.Progress;
import java.io.IOException;
import java.util.Map;
import java.util.Set;

/**
 * siglip4j's DJL model zoo (group id {@value #GROUP_ID}, artifact id {@value #ARTIFACT_ID}),
 * registered through {@link ZooProvider}, so a SigLIP folder or hub id loads by name:
 *
 * <pre>{@code
 * Criteria<Image, Classifications> criteria = Criteria.builder().setTypes(Image.class, Classifications.class)
 *         .optGroupId("org.siglip4j")
 *         .optArgument("model", "google/siglip-base-patch16-224")   // or a folder
 *         .optArgument("labels", List.of("cat", "dog"))
 *         .build();
 * }</pre>
 *
 * Without a {@code model} argument the zoo declines ({@link ModelNotFoundException}), so DJL's
 * search goes on to other zoos.
 */
public final class SiglipModelZoo extends ModelZoo {
    /** The zoo's group id. */
    public static final String GROUP_ID = "org.siglip4j";
    /** The artifact id of its one loader. */
    public static final String ARTIFACT_ID = "siglip";

    /** The zoo with its one loader. */
    public SiglipModelZoo() {
        addModel(new Loader());
    }

    @Override
    public String getGroupId() {
        return GROUP_ID;
    }

    @Override
    public Set<String> getSupportedEngines() {
        return Set.of("PyTorch");
    }

    /** Registers the zoo with DJL (listed in {@code META-INF/services/ai.djl.repository.zoo.ZooProvider}). */
    public static final class Provider implements ZooProvider {
        @Override
        public ModelZoo getModelZoo() {
            return new SiglipModelZoo();
        }
    }

    /** Loads the folder or hub id named by the argument {@code model} through {@link SiglipCriteria}. */
    private static final class Loader implements ModelLoader {
        @Override
        public String getGroupId() {
            return GROUP_ID;
        }

        @Override
        public String getArtifactId() {
            return ARTIFACT_ID;
        }

        @Override
        public Application getApplication() {
            return Application.UNDEFINED;
        }

        @Override
        public MRL getMrl() {
            return null; // models are named by the 'model' argument, not listed in a repository
        }

        @Override
        public <I, O> ZooModel<I, O> loadModel(Criteria<I, O> criteria)
                throws IOException, ModelNotFoundException, MalformedModelException {
            Map<String, Object> args = criteria.getArguments();
            Object model = args == null ? null : args.get("model");
            if (model == null) {
                throw new ModelNotFoundException("the siglip4j zoo loads the folder or hub id given as the "
                        + "argument 'model'");
            }
            Criteria.Builder<I, O> b = SiglipCriteria.builder(model.toString(), criteria.getInputClass(),
                    criteria.getOutputClass()).optDevice(criteria.getDevice()).optProgress(criteria.getProgress());
            args.forEach((k, v) -> {
                if (!k.equals("model")) {
                    b.optArgument(k, v);
                }
            });
            return b.build().loadModel();
        }

        @Override
        public <I, O> boolean isDownloaded(Criteria<I, O> criteria) {
            return true;
        }

        @Override
        public <I, O> void downloadModel(Criteria<I, O> criteria, Progress progress) {
            // hub models are downloaded by loadModel into the Hugging Face cache
        }

        @Override
        public String toString() {
            return GROUP_ID + ":" + ARTIFACT_ID;
        }
    }
}
