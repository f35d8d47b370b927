/** Helpers shared by the packages that write files or talk to the console: atomic replacement of a file, the terminal progress bar. */
package org.siglip4j.core.io;
