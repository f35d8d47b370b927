package org.siglip4j.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.siglip4j.core.SiglipException;

/**
 * Zero-shot class embeddings built the way open_clip's {@code build_zero_shot_classifier} does:
 * for every class, all templates are filled with the class name, embedded (unit rows), averaged
 * and the mean re-normalised. Scoring an image is then a dot product with each class embedding.
 *
 * <p>SigLIP turns the cosine {@code c} into a probability {@code sigmoid(c * exp(t) + b)}, a
 * strictly increasing function of {@code c}: it changes no ranking, so the metrics use the cosine
 * directly and need neither the logit scale nor the bias.
 *
 * @param classNames the class names, in class order
 * @param templates the prompt templates
 * @param canonicalize whether prompts were canonicalised (big_vision style) before embedding
 * @param classEmbeddings one unit row per class
 */
public record ZeroShotClassifier(List<String> classNames, PromptTemplates templates,
        boolean canonicalize, float[][] classEmbeddings) {

    /**
     * Checks the shapes.
     *
     * @param classNames names
     * @param templates templates
     * @param canonicalize canonicalisation flag
     * @param classEmbeddings class embeddings
     */
    public ZeroShotClassifier {
        classNames = List.copyOf(classNames);
        Embeddings.requireUnitRows(classEmbeddings, classNames.size(), "class embeddings");
    }

    /**
     * The prompts for one class, in template order.
     *
     * @param className the class name
     * @param templates the templates
     * @param canonicalize whether to canonicalise each filled prompt
     * @return one prompt per template
     */
    public static List<String> prompts(String className, PromptTemplates templates,
            boolean canonicalize) {
        List<String> out = templates.fill(className);
        if (canonicalize) {
            out.replaceAll(PromptCanonicalizer::canonicalize);
        }
        return out;
    }

    /**
     * Embeds all prompts (class-major, in batches) and builds the class embeddings.
     *
     * @param embedder the embedder wrapping the model
     * @param classNames the class names
     * @param templates the templates
     * @param canonicalize whether to canonicalise prompts
     * @return the classifier and the text-embedding run (for timing)
     */
    public static Built build(BatchEmbedder embedder, List<String> classNames,
            PromptTemplates templates, boolean canonicalize) {
        if (classNames.isEmpty()) {
            throw new SiglipException("zero-shot classification needs at least one class");
        }
        List<String> texts = new ArrayList<>(classNames.size() * templates.size());
        for (String c : classNames) {
            texts.addAll(prompts(c, templates, canonicalize));
        }
        EmbeddingRun run = embedder.embedTexts(texts);
        int t = templates.size();
        float[][] classEmb = new float[classNames.size()][];
        for (int c = 0; c < classNames.size(); c++) {
            float[][] rows = Arrays.copyOfRange(run.embeddings(), c * t, (c + 1) * t);
            classEmb[c] = Embeddings.normalisedMean(rows, "class '" + classNames.get(c) + "'");
        }
        return new Built(new ZeroShotClassifier(classNames, templates, canonicalize, classEmb), run);
    }

    /**
     * A classifier with the text-embedding run that produced it.
     *
     * @param classifier the classifier
     * @param textRun the text-embedding run
     */
    public record Built(ZeroShotClassifier classifier, EmbeddingRun textRun) {}

    /**
     * Scores images against the classes.
     *
     * @param imageEmbeddings unit image rows
     * @return images x classes cosine similarities
     */
    public float[][] scores(float[][] imageEmbeddings) {
        return Embeddings.similarity(imageEmbeddings, classEmbeddings);
    }
}
