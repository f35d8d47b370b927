/** File-system helpers shared by the packages that write files: atomic replacement of a file. */
package org.siglip4j.core.io;
