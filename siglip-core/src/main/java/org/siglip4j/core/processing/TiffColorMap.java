package org.siglip4j.core.processing;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.IOException;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.plugins.tiff.BaselineTIFFTagSet;
import javax.imageio.plugins.tiff.TIFFDirectory;
import javax.imageio.plugins.tiff.TIFFField;

/**
 * A palette TIFF's colours as Pillow reads them: the 16-bit {@code ColorMap} entries shifted to
 * 8 bits ({@code b // 256} in {@code TiffImagePlugin}), where the JDK's reader rounds them
 * (1 level apart on most entries when a writer stores {@code v * 256}).
 */
final class TiffColorMap {
    private TiffColorMap() {}

    /**
     * Gives a decoded palette TIFF Pillow's palette.
     *
     * @param reader the TIFF reader that decoded it (for the {@code ColorMap} field)
     * @param image the decoded image
     * @return the image with Pillow's palette, or {@code image} when it has no colour map
     * @throws IOException if the metadata cannot be read
     */
    static BufferedImage asPillow(ImageReader reader, BufferedImage image) throws IOException {
        if (!(image.getColorModel() instanceof IndexColorModel icm)) {
            return image;
        }
        IIOMetadata metadata = reader.getImageMetadata(0);
        TIFFField map = metadata == null ? null
                : TIFFDirectory.createFromMetadata(metadata).getTIFFField(BaselineTIFFTagSet.TAG_COLOR_MAP);
        if (map == null || map.getCount() % 3 != 0) {
            return image;
        }
        char[] v = map.getAsChars();
        int n = Math.min(v.length / 3, icm.getMapSize());
        byte[] r = new byte[n];
        byte[] g = new byte[n];
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            r[i] = (byte) (v[i] >>> 8);
            g[i] = (byte) (v[v.length / 3 + i] >>> 8);
            b[i] = (byte) (v[2 * v.length / 3 + i] >>> 8);
        }
        IndexColorModel pillow = new IndexColorModel(icm.getPixelSize(), n, r, g, b);
        return new BufferedImage(pillow, image.getRaster(), false, null);
    }
}
