package org.siglip4j.core.hub;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.checkpoint.format.CheckpointFormats;
import org.siglip4j.core.checkpoint.format.OpenClipFormat;
import org.siglip4j.core.io.BoundedJson;

/**
 * Turns "a local model folder or a hub id" into a local folder holding a SigLIP model, the way
 * {@code from_pretrained} does: an existing folder is used as is; anything else is a hub id whose
 * SigLIP files are fetched into the hub cache (see {@link HubClient}) and whose snapshot folder
 * ({@code {cache}/models--org--name/snapshots/{commit}}) is returned.
 *
 * <p>Files fetched: {@value #CONFIG} (required); {@value #PREPROCESSOR_CONFIG},
 * {@value #TOKENIZER_CONFIG}, {@value #SPECIAL_TOKENS_MAP} (optional); {@value #SPIECE_MODEL} and
 * {@value #TOKENIZER_JSON} (each optional, at least one required unless config.json describes a
 * vision-only model); weights: {@value #SAFETENSORS}, else {@value #SAFETENSORS_INDEX} plus every
 * shard its {@code weight_map} names. All files after config.json are taken at the commit
 * config.json resolved to, so a push during the download cannot mix two versions.
 */
public final class ModelLocator {
    /** Model config. */
    public static final String CONFIG = "config.json";
    /** Image processor config. */
    public static final String PREPROCESSOR_CONFIG = "preprocessor_config.json";
    /** Tokenizer config. */
    public static final String TOKENIZER_CONFIG = "tokenizer_config.json";
    /** Special tokens. */
    public static final String SPECIAL_TOKENS_MAP = "special_tokens_map.json";
    /** SentencePiece model of the slow tokenizer. */
    public static final String SPIECE_MODEL = "spiece.model";
    /** Rust {@code tokenizers} file. */
    public static final String TOKENIZER_JSON = "tokenizer.json";
    /** Single-file weights. */
    public static final String SAFETENSORS = "model.safetensors";
    /** Index of sharded weights. */
    public static final String SAFETENSORS_INDEX = "model.safetensors.index.json";

    /** open_clip's prefix for hub ids. */
    public static final String HF_HUB_SCHEME = "hf-hub:";
    /** open_clip's files on the hub (config, weights; the tokenizer files are fetched as for HF). */
    private static final List<String> OPEN_CLIP = List.of(OpenClipFormat.CONFIG, OpenClipFormat.WEIGHTS);

    private static final List<String> OPTIONAL = List.of(PREPROCESSOR_CONFIG, TOKENIZER_CONFIG, SPECIAL_TOKENS_MAP);

    private final HubClient hub;

    /**
     * Creates a locator downloading with the given client.
     *
     * @param hub hub client
     */
    public ModelLocator(HubClient hub) {
        this.hub = Objects.requireNonNull(hub, "hub");
    }

    /**
     * Creates a locator with its own client.
     *
     * @param config hub settings
     */
    public ModelLocator(HubConfig config) {
        this(new HubClient(config));
    }

    /** A locator configured from the environment ({@code HF_ENDPOINT}, {@code HF_TOKEN}, ...). */
    public static ModelLocator fromEnvironment() {
        return new ModelLocator(HubClient.fromEnvironment());
    }

    /** The hub client used for downloads. */
    public HubClient hub() {
        return hub;
    }

    /**
     * Resolves a local folder or a hub id at revision {@code main}.
     *
     * @param folderOrHubId a model folder, or a hub id such as {@code google/siglip-base-patch16-224}
     * @return the folder: the given one, or the cache snapshot folder of the hub model
     * @throws SiglipException if it is neither, or the download fails
     */
    public Path resolve(String folderOrHubId) {
        return resolve(folderOrHubId, null);
    }

    /**
     * Resolves a local folder or a hub id.
     *
     * @param folderOrHubId a model folder ({@code ~/} is expanded), or a hub id
     * @param revision branch, tag or commit hash for a hub id; {@code null} means {@code main}
     * @return the folder: the given one, or the cache snapshot folder of the hub model
     * @throws SiglipException if it is neither, or the download fails
     */
    public Path resolve(String folderOrHubId, String revision) {
        Objects.requireNonNull(folderOrHubId, "folderOrHubId");
        String s = stripHubScheme(folderOrHubId.strip());
        if (s.isEmpty()) {
            throw new SiglipException("empty model name: give a model folder or a hub id such as "
                    + "google/siglip-base-patch16-224");
        }
        Path local = null;
        try {
            local = s.equals("~") || s.startsWith("~/")
                    ? Paths.get(System.getProperty("user.home")).resolve(s.substring(Math.min(2, s.length())))
                    : Paths.get(s);
        } catch (InvalidPathException e) {
            // not a path on this system: it can only be a hub id
        }
        if (local != null && (Files.isDirectory(local) || Files.isRegularFile(local)
                && local.getFileName().toString().endsWith(".npz"))) {
            return CheckpointFormats.asHuggingFace(local, tokenizerRepo(local, DownloadListener.NONE));
        }
        if (local != null && Files.exists(local)) {
            throw new SiglipException(s + " is a file; expected a model folder (with config.json) or a hub id");
        }
        Path npz = downloadNpz(s, revision);
        if (npz != null) {
            return CheckpointFormats.asHuggingFace(npz);
        }
        if (looksLikePath(s)) {
            throw new SiglipException("model folder " + s + " does not exist");
        }
        if (!RepoId.isValid(s)) {
            throw new SiglipException("'" + s + "' is neither an existing folder nor a hub id such as "
                    + "google/siglip-base-patch16-224");
        }
        Path snapshot = download(s, revision, DownloadListener.NONE);
        return CheckpointFormats.asHuggingFace(snapshot, tokenizerRepo(snapshot, DownloadListener.NONE));
    }

    /**
     * A big_vision checkpoint on the hub, named {@code org/repo/file.npz} (as the big_vision releases
     * hold their {@code .npz} files): that file and the tokenizer files next to it are fetched, and
     * the local {@code .npz} returned; null when {@code name} is not of that form.
     */
    private Path downloadNpz(String name, String revision) {
        int second = name.indexOf('/', name.indexOf('/') + 1);
        if (!name.endsWith(".npz") || second < 0 || looksLikeLocal(name)) {
            return null;
        }
        String id = name.substring(0, second);
        String file = name.substring(second + 1);
        if (!RepoId.isValid(id) || file.isEmpty() || file.contains("..") || file.startsWith("/")) {
            return null;
        }
        String rev = revision == null ? "main" : revision;
        Path npz = hub.download(id, rev, file, DownloadListener.NONE);
        String commit = npz.getParent().getFileName().toString();
        String pinned = HubClient.COMMIT_HASH.matcher(commit).matches() ? commit : rev;
        String dir = file.contains("/") ? file.substring(0, file.lastIndexOf('/') + 1) : "";
        for (String f : List.of(SPIECE_MODEL, TOKENIZER_JSON, TOKENIZER_CONFIG, SPECIAL_TOKENS_MAP)) {
            hub.downloadIfExists(id, pinned, dir + f, DownloadListener.NONE);
        }
        return npz;
    }

    /** A name that can only be a local path (absolute, relative with dots, a home or drive prefix). */
    private static boolean looksLikeLocal(String s) {
        return s.startsWith("/") || s.startsWith(".") || s.startsWith("~") || s.contains("\\")
                || (s.length() > 1 && s.charAt(1) == ':');
    }

    /**
     * The tokenizer of an open_clip folder that ships none: the files of the hub repo its
     * {@code hf_tokenizer_name} names (as open_clip's {@code hf-hub:} loading does), fetched into the
     * hub cache; null for any other folder.
     *
     * @param dir a model folder
     * @param listener progress of each file
     * @return the snapshot folder holding the tokenizer files, or null
     * @throws SiglipException if the named repo has neither tokenizer file
     */
    Path tokenizerRepo(Path dir, DownloadListener listener) {
        String name = Files.isDirectory(dir) ? OpenClipFormat.needsTokenizer(dir) : null;
        if (name == null) {
            return null;
        }
        String id = stripHubScheme(name);
        if (!RepoId.isValid(id)) {
            throw new SiglipException(dir.resolve(OpenClipFormat.CONFIG) + ": the folder has no tokenizer files and"
                    + " text_cfg.hf_tokenizer_name '" + name + "' is not a hub id; put spiece.model or tokenizer.json"
                    + " next to it");
        }
        Path found = null;
        for (String f : List.of(SPIECE_MODEL, TOKENIZER_JSON, TOKENIZER_CONFIG, SPECIAL_TOKENS_MAP)) {
            Optional<Path> p = hub.downloadIfExists(id, "main", f, listener);
            if (p.isPresent() && (f.equals(SPIECE_MODEL) || f.equals(TOKENIZER_JSON))) {
                found = p.get().getParent();
            }
        }
        if (found == null) {
            throw new SiglipException("the open_clip model " + dir + " has no tokenizer files and the repo its"
                    + " hf_tokenizer_name names, " + id + ", has neither " + SPIECE_MODEL + " nor " + TOKENIZER_JSON
                    + offlineHint());
        }
        return found;
    }

    /**
     * Drops open_clip's {@code hf-hub:} scheme ({@code hf-hub:timm/ViT-B-16-SigLIP} names the hub
     * repo {@code timm/ViT-B-16-SigLIP}).
     *
     * @param name a model name
     * @return the name without the scheme
     */
    public static String stripHubScheme(String name) {
        return name.startsWith(HF_HUB_SCHEME) ? name.substring(HF_HUB_SCHEME.length()).strip() : name;
    }

    /**
     * Fills the cache with the SigLIP files of {@code main}.
     *
     * @param repoId hub id
     * @return the snapshot folder
     */
    public Path download(String repoId) {
        return download(repoId, null, DownloadListener.NONE);
    }

    /**
     * Fills the cache with the SigLIP files of a revision (files already cached are not fetched
     * again) and returns the snapshot folder holding them.
     *
     * @param repoId hub id
     * @param revision branch, tag or commit hash; {@code null} means {@code main}
     * @param listener progress of each file
     * @return the snapshot folder, {@code {cache}/models--org--name/snapshots/{commit}}
     * @throws SiglipException if a required file is missing, access is refused, the hub cannot be
     *     reached and the files are not cached, or a download fails
     */
    public Path download(String repoId, String revision, DownloadListener listener) {
        RepoId repo = RepoId.of(repoId);
        String rev = revision == null ? "main" : revision;
        Optional<Path> hfConfig = hub.downloadIfExists(repo.id(), rev, CONFIG, listener);
        if (hfConfig.isEmpty()) {
            Optional<Path> openClip = hub.downloadIfExists(repo.id(), rev, OpenClipFormat.CONFIG, listener);
            if (openClip.isPresent()) {
                return downloadOpenClip(repo, rev, openClip.get(), listener);
            }
        }
        Path config = hfConfig.isPresent() ? hfConfig.get() : hub.download(repo.id(), rev, CONFIG, listener);
        if (isTimmConfig(config)) {
            // timm's config of the image tower; the repo may hold the whole open_clip model too
            Optional<Path> openClip = hub.downloadIfExists(repo.id(), rev, OpenClipFormat.CONFIG, listener);
            if (openClip.isPresent()) {
                return downloadOpenClip(repo, rev, openClip.get(), listener);
            }
        }
        Path snapshot = config.getParent();
        String commit = snapshot.getFileName().toString();
        String pinned = HubClient.COMMIT_HASH.matcher(commit).matches() ? commit : rev;

        for (String f : OPTIONAL) {
            hub.downloadIfExists(repo.id(), pinned, f, listener);
        }
        boolean spiece = hub.downloadIfExists(repo.id(), pinned, SPIECE_MODEL, listener).isPresent();
        boolean tokenizerJson = hub.downloadIfExists(repo.id(), pinned, TOKENIZER_JSON, listener).isPresent();
        if (!spiece && !tokenizerJson && !isVisionOnly(config)) {
            throw new SiglipException("model repo " + repo + " (revision " + rev + ") has no tokenizer: neither "
                    + SPIECE_MODEL + " nor " + TOKENIZER_JSON + " was found" + offlineHint());
        }

        if (hub.downloadIfExists(repo.id(), pinned, SAFETENSORS, listener).isEmpty()) {
            Optional<Path> index = hub.downloadIfExists(repo.id(), pinned, SAFETENSORS_INDEX, listener);
            if (index.isEmpty()) {
                throw new SiglipException("model repo " + repo + " (revision " + rev + ") has no weights: neither "
                        + SAFETENSORS + " nor " + SAFETENSORS_INDEX + " was found" + offlineHint()
                        + " (only safetensors weights are supported, not pytorch_model.bin)");
            }
            for (String shard : shardNames(index.get(), repo)) {
                hub.download(repo.id(), pinned, shard, listener);
            }
        }
        return snapshot;
    }

    /** An open_clip repo ({@code timm/ViT-B-16-SigLIP}): its config, weights and tokenizer files. */
    private Path downloadOpenClip(RepoId repo, String rev, Path config, DownloadListener listener) {
        Path snapshot = config.getParent();
        String commit = snapshot.getFileName().toString();
        String pinned = HubClient.COMMIT_HASH.matcher(commit).matches() ? commit : rev;
        for (String f : OPEN_CLIP) {
            hub.download(repo.id(), pinned, f, listener);
        }
        for (String f : List.of(TOKENIZER_CONFIG, SPECIAL_TOKENS_MAP, SPIECE_MODEL, TOKENIZER_JSON)) {
            hub.downloadIfExists(repo.id(), pinned, f, listener);
        }
        tokenizerRepo(snapshot, listener); // a repo without tokenizer files: the one hf_tokenizer_name names
        return snapshot;
    }

    private String offlineHint() {
        return hub.config().offline() ? " in the cache (offline mode is on, HF_HUB_OFFLINE=1)" : "";
    }

    /**
     * The distinct shard files of a {@code model.safetensors.index.json}, all checked to be plain
     * {@code .safetensors} names before any is downloaded.
     *
     * @param index the index file
     * @param repo the repo, for messages
     * @return the shard names in first-seen order
     */
    static List<String> shardNames(Path index, RepoId repo) {
        JsonObject root;
        try {
            JsonElement e = BoundedJson.parse(Files.readString(index, StandardCharsets.UTF_8), SAFETENSORS_INDEX + " of " + repo);
            if (!e.isJsonObject()) {
                throw new SiglipException(SAFETENSORS_INDEX + " of " + repo + " is not a JSON object");
            }
            root = e.getAsJsonObject();
        } catch (IOException e) {
            throw new SiglipException("cannot read " + SAFETENSORS_INDEX + " of " + repo + ": " + e.getMessage(), e);
        }
        JsonElement map = root.get("weight_map");
        if (map == null || !map.isJsonObject() || map.getAsJsonObject().size() == 0) {
            throw new SiglipException(SAFETENSORS_INDEX + " of " + repo
                    + " has no \"weight_map\" object mapping tensor names to shard files");
        }
        Set<String> shards = new LinkedHashSet<>();
        for (Map.Entry<String, JsonElement> e : map.getAsJsonObject().entrySet()) {
            JsonElement v = e.getValue();
            String name = v.isJsonPrimitive() ? v.getAsString() : String.valueOf(v);
            if (!CacheLayout.isSafeSegment(name) || !name.endsWith(".safetensors")) {
                throw new SiglipException(SAFETENSORS_INDEX + " of " + repo + " maps tensor '" + e.getKey()
                        + "' to shard '" + name + "', which is not a plain .safetensors file name in the repo;"
                        + " refusing to download anything for it");
            }
            shards.add(name);
        }
        return new ArrayList<>(shards);
    }

    private static boolean isTimmConfig(Path config) {
        try {
            JsonElement e = BoundedJson.parse(Files.readString(config, StandardCharsets.UTF_8), config.toString());
            return e.isJsonObject() && e.getAsJsonObject().has("architecture")
                    && !e.getAsJsonObject().has("model_type");
        } catch (IOException | RuntimeException e) {
            return false; // config problems are reported by the config loader, not here
        }
    }

    private static boolean isVisionOnly(Path config) {
        try {
            JsonElement e = BoundedJson.parse(Files.readString(config, StandardCharsets.UTF_8), config.toString());
            if (!e.isJsonObject()) {
                return false;
            }
            JsonObject o = e.getAsJsonObject();
            if (isTimmConfig(config)) {
                return true; // a timm image tower's config
            }
            if (o.has("model_type") && "siglip_vision_model".equals(o.get("model_type").getAsString())) {
                return true;
            }
            JsonElement arch = o.get("architectures");
            if (arch == null || !arch.isJsonArray() || arch.getAsJsonArray().size() == 0) {
                return false;
            }
            for (JsonElement a : arch.getAsJsonArray()) {
                String name = a.getAsString();
                if (!name.contains("Vision") && !name.contains("ImageClassification")) {
                    return false;
                }
            }
            return true;
        } catch (IOException | RuntimeException e) {
            return false; // config problems are reported by the config loader, not here
        }
    }

    private static boolean looksLikePath(String s) {
        return looksLikeLocal(s) || s.chars().filter(c -> c == '/').count() > 1;
    }
}
