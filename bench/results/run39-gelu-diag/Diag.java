// A throwaway harness (run39-gelu): javac -cp siglip.jar Diag.java; java -cp siglip.jar:. Diag BATCH [chunk MiB]
import ai.djl.engine.Engine;
import ai.djl.ndarray.*;
import ai.djl.ndarray.types.*;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.nio.file.*;
import org.siglip4j.core.config.SiglipConfig;
import org.siglip4j.core.model.SiglipModel;
import org.siglip4j.core.nn.*;

public class Diag {
    static long field(String name) throws Exception {
        for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (l.startsWith(name + ":")) return Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024;
        }
        return -1;
    }
    static void rss(String what) throws Exception {
        long rss = field("VmRSS");
        MallocTuning.releaseFreeMemory();
        System.out.printf("%-28s RSS %6d MiB  after trim %6d MiB  peak %6d MiB%n", what, rss, field("VmRSS"), field("VmHWM"));
    }
    public static void main(String[] a) throws Exception {
        int batch = Integer.parseInt(a[0]); long t0 = System.nanoTime();
        System.out.println("malloc: " + MallocTuning.apply().detail());
        try (NDManager root = NDManager.newBaseManager()) {
            SiglipModel model = SiglipModel.newModel(SiglipConfig.preset("base-patch16-224"), root);
            if (a.length > 1) model.setCompute(model.compute().withChunkBytes(Long.parseLong(a[1]) << 20));
            for (Parameter p : model.namedParameters().values()) p.getArray().setRequiresGradient(true);
            rss("model");
            for (int it = 0; it < 2; it++) {
                try (NDManager step = root.newSubManager()) {
                    ParameterStore ps = new ParameterStore(step, false);
                    NDArray px = step.randomNormal(new Shape(batch, 3, 224, 224));
                    NDArray ids = step.randomInteger(3, 500, new Shape(batch, 64), DataType.INT64);
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray img = model.getImageFeatures(ps, px, true);
                        rss("after image forward");
                        NDArray txt = model.getTextFeatures(ps, ids, true);
                        rss("after text forward");
                        NDArray s = img.sum().add(txt.sum());
                        gc.backward(s);
                        rss("after backward");
                    }
                }
                rss("after step " + it + String.format(" %.1fs", (System.nanoTime() - t0) / 1e9)); t0 = System.nanoTime();
            }
        }
    }
}
