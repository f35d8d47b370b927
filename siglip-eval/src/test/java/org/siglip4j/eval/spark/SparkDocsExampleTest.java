package org.siglip4j.eval.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.testing.Fixtures;

/**
 * The Spark example of docs/use-from-your-project.md (siglip-examples' DocsExamplesTest leaves it
 * out: Spark is on this module's classpath only) compiles against this checkout and runs on
 * local[2] over the fixture images.
 */
class SparkDocsExampleTest {
    private static final Pattern BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);

    @Test
    void theSparkExampleCompilesAndScoresEveryPng(@TempDir Path tmp) throws Exception {
        String page = Files.readString(Path.of("..", "docs", "use-from-your-project.md"), StandardCharsets.UTF_8);
        List<String> spark = new ArrayList<>();
        Matcher m = BLOCK.matcher(page);
        while (m.find()) {
            if (m.group(1).contains("import org.apache.spark")) {
                spark.add(m.group(1));
            }
        }
        assertEquals(1, spark.size(), "one Spark example");
        assertTrue(spark.get(0).contains("public class SparkScoring"), spark.get(0));
        Path src = tmp.resolve("SparkScoring.java");
        Files.writeString(src, spark.get(0));
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        assertEquals(0, javac.run(null, null, errors, "-d", tmp.toString(), "-cp", cp, "-proc:none", src.toString()),
                errors.toString());

        // what spark-submit would set; the example itself names no master
        for (String[] kv : new String[][] {{"spark.master", "local[2]"}, {"spark.ui.enabled", "false"},
            {"spark.ui.showConsoleProgress", "false"}, {"spark.driver.host", "127.0.0.1"},
            {"spark.driver.bindAddress", "127.0.0.1"}}) {
            System.setProperty(kv[0], kv[1]);
        }
        long pngs;
        try (var files = Files.list(Fixtures.file("inputs"))) {
            pngs = files.filter(f -> f.getFileName().toString().endsWith(".png")).count();
        }
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {tmp.toUri().toURL()}, getClass().getClassLoader())) {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            loader.loadClass("SparkScoring").getMethod("main", String[].class).invoke(null,
                    (Object) new String[] {Fixtures.dir().toString(), Fixtures.file("inputs").toString()});
        } finally {
            System.setOut(old);
            SparkSession.active().stop();
            SiglipImageTransformer.releaseModels();
        }
        List<String> rows = buf.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("[file:")).toList();
        assertEquals(pngs, rows.size(), buf.toString(StandardCharsets.UTF_8));
        assertTrue(rows.get(0).matches("\\[file:.*\\.png,ArraySeq\\(.*\\)\\]|\\[file:.*\\.png,WrappedArray\\(.*\\)\\]"),
                rows.get(0));
    }
}
