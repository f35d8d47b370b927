package org.siglip4j.core.djl;

import ai.djl.Model;
import ai.djl.modality.Classifications;
import ai.djl.modality.Input;
import ai.djl.modality.Output;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.translator.ImageServingTranslator;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorFactory;
import ai.djl.util.Pair;
import java.io.IOException;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.siglip4j.core.pipeline.ImageClassificationPipeline;
import org.siglip4j.core.pipeline.LabelScore;
import org.siglip4j.core.pipeline.SiglipPipeline;
import org.siglip4j.core.pipeline.SimilarityMatrix;
import org.siglip4j.core.pipeline.ZeroShotImageClassifier;

/**
 * DJL translators for a SigLIP folder loaded by {@link SiglipBlockFactory}:
 *
 * <ul>
 *   <li>{@code Image -> Classifications}: zero-shot classification of a SigLIP model against the
 *       candidate labels given as the argument {@code labels} (a {@code List<String>}, or one
 *       {@code String} of labels separated by {@code |}, or the argument {@code labelsFile}: one
 *       label per line), with the optional argument {@code template} (default
 *       {@value ZeroShotImageClassifier#DEFAULT_TEMPLATE}); the probabilities are
 *       {@code sigmoid(logit)} per label, as {@link ZeroShotImageClassifier}. For a fine-tuned head
 *       ({@code SiglipForImageClassification}) the labels are its {@code id2label} and the
 *       probabilities the softmax of its logits, as {@link ImageClassificationPipeline}.
 *   <li>{@code Image -> float[]}: the L2-normalised image embedding ({@code image_embeds}).
 *   <li>{@code String -> float[]}: the L2-normalised text embedding ({@code text_embeds}).
 *   <li>{@code Input -> Output}, what DJL Serving asks for: the image classification above, through
 *       DJL's {@link ImageServingTranslator} (the request body is the image's bytes, or JSON
 *       {@code {"image_url": ...}}; the response is the {@code Classifications} as JSON).
 * </ul>
 *
 * The candidate labels' text embeddings are computed once, when the translator is made.
 */
public final class SiglipTranslatorFactory implements TranslatorFactory {

    private static final Set<Pair<Type, Type>> SUPPORTED = Set.of(
            new Pair<>(Image.class, Classifications.class),
            new Pair<>(Image.class, float[].class),
            new Pair<>(String.class, float[].class),
            new Pair<>(Input.class, Output.class));

    @Override
    public Set<Pair<Type, Type>> getSupportedTypes() {
        return SUPPORTED;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <I, O> Translator<I, O> newInstance(Class<I> input, Class<O> output, Model model, Map<String, ?> arguments)
            throws TranslateException {
        if (!isSupported(input, output)) {
            throw new TranslateException("SigLIP translates Image -> Classifications, Image -> float[], "
                    + "String -> float[] and Input -> Output, not " + input.getSimpleName() + " -> " + output.getSimpleName());
        }
        if (!(model.getBlock() instanceof SiglipInferenceBlock block)) {
            throw new TranslateException("the model was not loaded from a SigLIP folder: pass the argument blockFactory="
                    + SiglipBlockFactory.class.getName() + " and the option hasParameter=false");
        }
        Map<String, ?> args = arguments == null ? Map.of() : arguments;
        if (input == Input.class) {
            return (Translator<I, O>) new ImageServingTranslator(newInstance(Image.class, Classifications.class, model,
                    args));
        }
        if (output == float[].class) {
            if (block.siglip() == null) {
                throw new TranslateException("a fine-tuned classifier has no embeddings to give: use Image -> "
                        + "Classifications");
            }
            if (input == String.class) {
                return (Translator<I, O>) new SiglipTranslator<String, float[]>(
                        (b, text) -> b.siglip().embedTexts(List.of(text))[0], v -> v);
            }
            return (Translator<I, O>) new SiglipTranslator<Image, float[]>(
                    (b, image) -> b.siglip().embedImages(List.of(image))[0], v -> v);
        }
        if (block.classifier() != null) {
            List<String> names = block.classifier().labels();
            return (Translator<I, O>) new SiglipTranslator<Image, Classifications>(
                    (b, image) -> b.classifier().logits(List.of(image), org.siglip4j.core.pipeline.ProgressListener.NONE)[0], logits -> {
                        List<LabelScore> scores = ImageClassificationPipeline.scores(logits, names);
                        return classifications(scores);
                    });
        }
        List<String> labels = labels(args);
        String template = args.get("template") == null ? ZeroShotImageClassifier.DEFAULT_TEMPLATE
                : args.get("template").toString();
        SiglipPipeline pipeline = block.siglip();
        float[][] texts;
        try {
            texts = pipeline.embedTexts(ZeroShotImageClassifier.hypotheses(labels, template), true);
        } catch (RuntimeException e) {
            throw new TranslateException(e.getMessage(), e);
        }
        return (Translator<I, O>) new SiglipTranslator<Image, Classifications>((b, image) -> {
            float[][] images = b.siglip().embedImages(List.of(image));
            double[] p = new SimilarityMatrix(images, texts, b.siglip().logits(images, texts)).probabilities()[0];
            float[] out = new float[p.length];
            for (int j = 0; j < p.length; j++) {
                out[j] = (float) p[j];
            }
            return out;
        }, p -> {
            List<Double> probs = new ArrayList<>(p.length);
            for (float v : p) {
                probs.add((double) v);
            }
            Classifications c = new Classifications(labels, probs);
            c.setTopK(labels.size());
            return c;
        });
    }

    private static Classifications classifications(List<LabelScore> scores) {
        List<String> names = new ArrayList<>(scores.size());
        List<Double> probs = new ArrayList<>(scores.size());
        for (LabelScore s : scores) {
            names.add(s.label());
            probs.add(s.score());
        }
        Classifications c = new Classifications(names, probs);
        c.setTopK(names.size());
        return c;
    }

    private static List<String> labels(Map<String, ?> args) throws TranslateException {
        Object labels = args.get("labels");
        Object file = args.get("labelsFile");
        if (labels instanceof List<?> list) {
            return list.stream().map(String::valueOf).map(String::strip).toList();
        }
        if (labels != null) {
            return Arrays.stream(labels.toString().split("\\|")).map(String::strip).toList();
        }
        if (file != null) {
            try {
                return Files.readAllLines(Path.of(file.toString()), StandardCharsets.UTF_8).stream().map(String::strip)
                        .filter(s -> !s.isEmpty()).toList();
            } catch (IOException e) {
                throw new TranslateException("cannot read labelsFile " + file + ": " + e.getMessage(), e);
            }
        }
        throw new TranslateException("zero-shot classification needs candidate labels: pass the argument 'labels' "
                + "(a List<String>, or one String with the labels separated by '|') or 'labelsFile'");
    }
}
