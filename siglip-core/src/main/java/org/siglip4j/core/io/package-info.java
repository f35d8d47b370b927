/**
 * File helpers shared by the packages that read and write files: atomic replacement of a file,
 * JSON parsing with a bound on nesting depth.
 */
package org.siglip4j.core.io;
