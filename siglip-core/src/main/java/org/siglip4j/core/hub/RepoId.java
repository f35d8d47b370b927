package org.siglip4j.core.hub;

import java.util.regex.Pattern;
import org.siglip4j.core.SiglipException;

/**
 * A model repo id on the hub, {@code org/name} or a bare {@code name}, validated with the same rules
 * as Python's {@code validate_repo_id} so it can never name a path outside the cache.
 *
 * @param id the id, e.g. {@code google/siglip-base-patch16-224}
 */
public record RepoId(String id) {

    // huggingface_hub's REPO_ID_REGEX: word characters, '-' and '.', one optional namespace
    private static final Pattern VALID = Pattern.compile("^(\\b[\\w\\-.]+\\b/)?\\b[\\w\\-.]{1,96}\\b$");

    /**
     * Validates the id.
     *
     * @throws SiglipException if it is not a hub id (path separators, {@code ..}, {@code --}, ...)
     */
    public RepoId {
        String why = problem(id);
        if (why != null) {
            throw new SiglipException("'" + id + "' is not a valid hub repo id (" + why
                    + "); expected 'org/name' such as google/siglip-base-patch16-224");
        }
    }

    /**
     * Parses a repo id.
     *
     * @param id the id
     * @return the repo id
     * @throws SiglipException if it is not valid
     */
    public static RepoId of(String id) {
        return new RepoId(id);
    }

    /**
     * Whether a string is a valid repo id.
     *
     * @param id the candidate
     * @return true if {@link #of(String)} would accept it
     */
    public static boolean isValid(String id) {
        return problem(id) == null;
    }

    /** The cache folder name, {@code models--org--name}, as Python's {@code repo_folder_name}. */
    public String folderName() {
        return "models--" + id.replace("/", "--");
    }

    @Override
    public String toString() {
        return id;
    }

    private static String problem(String id) {
        if (id == null || id.isEmpty()) {
            return "empty";
        }
        if (id.contains("\\")) {
            return "backslash";
        }
        if (id.startsWith("/")) {
            return "absolute path";
        }
        if (id.contains("..")) {
            return "'..' is not allowed";
        }
        if (id.contains("--")) {
            return "'--' is not allowed";
        }
        if (id.endsWith(".git")) {
            return "must not end with .git";
        }
        if (!VALID.matcher(id).matches()) {
            return "only letters, digits, '-', '_', '.' and one '/' are allowed";
        }
        return null;
    }
}
