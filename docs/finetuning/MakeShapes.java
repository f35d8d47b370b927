import java.awt.image.BufferedImage;
import java.nio.file.*;
import java.util.*;
import javax.imageio.ImageIO;

/** Writes a synthetic caption data set: a coloured shape on a dark background, 64x64 PNGs. */
public class MakeShapes {
    public static void main(String[] a) throws Exception {
        Path dir = Path.of(a[0]);
        Files.createDirectories(dir.resolve("images"));
        String[] colours = {"red", "green", "blue", "yellow", "white", "purple"};
        int[] rgb = {0xE01414, 0x14C828, 0x1E28E6, 0xF0E61E, 0xF0F0F0, 0x961EAA};
        String[] shapes = {"square", "circle", "stripes", "cross"};
        List<String> train = new ArrayList<>(), val = new ArrayList<>();
        Random rnd = new Random(7);
        for (int c = 0; c < colours.length; c++) for (int s = 0; s < shapes.length; s++) for (int v = 0; v < 3; v++) {
            BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
            int ox = rnd.nextInt(9) - 4, oy = rnd.nextInt(9) - 4;
            for (int y = 0; y < 64; y++) for (int x = 0; x < 64; x++) {
                int dx = x - 32 - ox, dy = y - 32 - oy;
                boolean on = switch (s) {
                    case 0 -> Math.abs(dx) < 18 && Math.abs(dy) < 18;
                    case 1 -> dx * dx + dy * dy < 400;
                    case 2 -> ((x + ox + 64) / 8) % 2 == 0;
                    default -> Math.abs(dx) < 6 || Math.abs(dy) < 6;
                };
                int noise = rnd.nextInt(21);
                img.setRGB(x, y, on ? rgb[c] : (noise << 16 | noise << 8 | noise));
            }
            String name = colours[c] + "_" + shapes[s] + "_" + v + ".png";
            ImageIO.write(img, "png", dir.resolve("images").resolve(name).toFile());
            String line = "{\"image\": \"images/" + name + "\", \"captions\": [\"a " + colours[c] + " " + shapes[s]
                    + "\", \"a photo of a " + colours[c] + " " + shapes[s] + "\"]}";
            (v == 2 ? val : train).add(line);
        }
        Files.write(dir.resolve("train.jsonl"), train);
        Files.write(dir.resolve("val.jsonl"), val);
        System.out.println(train.size() + " train, " + val.size() + " val");
    }
}
