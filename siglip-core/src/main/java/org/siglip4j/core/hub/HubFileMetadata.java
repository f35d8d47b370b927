package org.siglip4j.core.hub;

import java.net.URI;
import java.util.OptionalLong;

/**
 * What the hub says about one file at one revision (the answer to the {@code HEAD} request), as
 * Python's {@code HfFileMetadata}.
 *
 * @param commitHash the commit the revision resolved to ({@code X-Repo-Commit})
 * @param etag the blob's id with quotes and {@code W/} stripped: {@code X-Linked-Etag} (an LFS
 *     file's sha256) or else {@code ETag} (a git blob's sha1); the blob's file name in the cache
 * @param location where to GET the bytes: the resolve URL itself, or the CDN URL an LFS file
 *     redirects to
 * @param size the file's size ({@code X-Linked-Size} or {@code Content-Length}), when known
 * @param lfs whether the file is stored with git LFS ({@code X-Linked-Etag} was present)
 */
public record HubFileMetadata(String commitHash, String etag, URI location, OptionalLong size, boolean lfs) {}
