package org.siglip4j.core.processing;

import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.IOException;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadata;
import org.siglip4j.core.SiglipException;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;

/**
 * The first frame of a GIF as Pillow shows it: on the logical screen, not cut to the frame. The
 * JDK's reader returns the frame's own rectangle; Pillow's {@code GifImageFile} has the screen's
 * size (grown to the frame if the frame reaches past it), paints the frame at its position and
 * leaves the rest at palette index 0, or at the transparent index when the frame has one
 * ({@code load_prepare}).
 */
final class GifFirstFrame {
    private static final String STREAM = "javax_imageio_gif_stream_1.0";
    private static final String IMAGE = "javax_imageio_gif_image_1.0";

    private GifFirstFrame() {}

    /**
     * Places a decoded first frame on its screen.
     *
     * @param reader the GIF reader that decoded it (for the metadata)
     * @param frame the decoded frame, palette-indexed
     * @param name the file, for errors
     * @return the frame itself when it covers the screen exactly, else the screen-sized image
     * @throws IOException if the metadata cannot be read
     */
    static BufferedImage onScreen(ImageReader reader, BufferedImage frame, String name) throws IOException {
        IIOMetadata stream = reader.getStreamMetadata();
        IIOMetadata image = reader.getImageMetadata(0);
        if (stream == null || image == null || !(frame.getColorModel() instanceof IndexColorModel icm)) {
            return frame;
        }
        Node screen = child(stream.getAsTree(STREAM), "LogicalScreenDescriptor");
        Node descriptor = child(image.getAsTree(IMAGE), "ImageDescriptor");
        if (screen == null || descriptor == null) {
            return frame;
        }
        int x0 = attr(descriptor, "imageLeftPosition", 0);
        int y0 = attr(descriptor, "imageTopPosition", 0);
        int fw = frame.getWidth();
        int fh = frame.getHeight();
        int w = Math.max(attr(screen, "logicalScreenWidth", fw), x0 + fw);
        int h = Math.max(attr(screen, "logicalScreenHeight", fh), y0 + fh);
        if (x0 == 0 && y0 == 0 && w == fw && h == fh) {
            return frame;
        }
        if ((long) w * h > ImageLoader.MAX_PIXELS) {
            throw new SiglipException("image " + name + " is too large: a GIF screen of " + w + "x" + h
                    + " pixels, at most " + ImageLoader.MAX_PIXELS + " supported");
        }
        Node gce = child(image.getAsTree(IMAGE), "GraphicControlExtension");
        boolean transparent = gce != null && "TRUE".equalsIgnoreCase(text(gce, "transparentColorFlag"));
        int fill = transparent ? attr(gce, "transparentColorIndex", 0) : 0;
        byte[][] rgb = ImageLoader.paletteChannels(icm);
        IndexColorModel palette = new IndexColorModel(8, icm.getMapSize(), rgb[0], rgb[1], rgb[2]);
        WritableRaster canvas = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, w, h, 1, null);
        int[] row = new int[Math.max(w, fw)];
        java.util.Arrays.fill(row, 0, w, fill);
        for (int y = 0; y < h; y++) {
            canvas.setSamples(0, y, w, 1, 0, row);
        }
        for (int y = 0; y < fh; y++) {
            frame.getRaster().getSamples(0, y, fw, 1, 0, row);
            canvas.setSamples(x0, y0 + y, fw, 1, 0, row);
        }
        return new BufferedImage(palette, canvas, false, null);
    }

    private static Node child(Node parent, String name) {
        for (Node c = parent.getFirstChild(); c != null; c = c.getNextSibling()) {
            if (name.equals(c.getNodeName())) {
                return c;
            }
        }
        return null;
    }

    private static String text(Node node, String attribute) {
        NamedNodeMap attrs = node.getAttributes();
        Node a = attrs == null ? null : attrs.getNamedItem(attribute);
        return a == null ? null : a.getNodeValue();
    }

    private static int attr(Node node, String attribute, int fallback) {
        try {
            String v = text(node, attribute);
            return v == null ? fallback : Integer.parseInt(v);
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
