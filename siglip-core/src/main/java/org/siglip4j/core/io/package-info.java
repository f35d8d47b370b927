/**
 * File helpers shared by the packages that read and write files or talk to the console: atomic
 * replacement of a file, JSON parsing with a bound on nesting depth, the terminal progress bar.
 */
package org.siglip4j.core.io;
