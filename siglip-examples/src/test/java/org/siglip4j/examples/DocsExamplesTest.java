package org.siglip4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.testing.Fixtures;

/**
 * Every Java example of docs/use-from-your-project.md is compiled against this checkout, and the
 * runnable ones are run on the tiny fixture models, so the page cannot drift from the API.
 */
class DocsExamplesTest {
    static final Path PAGE = Path.of("..", "docs", "use-from-your-project.md");
    private static final Pattern BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern CLASS = Pattern.compile("public class (\\w+)");

    /**
     * The page's Java examples by class name, except those that import Spark.
     *
     * @return the examples
     * @throws IOException if the page cannot be read
     */
    static Map<String, String> examples() throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        Matcher m = BLOCK.matcher(Files.readString(PAGE, StandardCharsets.UTF_8));
        while (m.find()) {
            if (m.group(1).contains("import org.apache.spark")) {
                continue; // compiled and run by siglip-eval's SparkDocsExampleTest, where Spark is
            }
            Matcher c = CLASS.matcher(m.group(1));
            assertTrue(c.find(), "each example is a public class:\n" + m.group(1));
            out.put(c.group(1), m.group(1));
        }
        return out;
    }

    @Test
    void everyExampleCompilesAndTheRunnableOnesRun(@TempDir Path tmp) throws Exception {
        Map<String, String> examples = examples();
        assertEquals(List.of("ZeroShot", "FineTunedHead", "DjlCriteria", "PlainCriteria", "ProgressToLog", "StartUp"),
                new ArrayList<>(examples.keySet()));
        List<String> files = new ArrayList<>();
        for (Map.Entry<String, String> e : examples.entrySet()) {
            Path f = tmp.resolve(e.getKey() + ".java");
            Files.writeString(f, e.getValue());
            files.add(f.toString());
        }
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> args = new ArrayList<>(List.of("-d", tmp.toString(), "-cp", cp, "-proc:none"));
        args.addAll(files);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        assertEquals(0, javac.run(null, null, errors, args.toArray(String[]::new)), errors.toString());

        String image = Fixtures.file("inputs/gradient_wide.png").toString();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {tmp.toUri().toURL()},
                getClass().getClassLoader())) {
            String zeroShot = run(loader, "ZeroShot", Fixtures.dir().toString(), image);
            assertEquals(3, zeroShot.lines().count(), zeroShot);
            assertTrue(run(loader, "FineTunedHead", Fixtures.file("classification").toString(), image)
                    .startsWith("LabelScore[label="));
            String best = run(loader, "DjlCriteria", Fixtures.dir().toString(), image);
            assertTrue(List.of("gradient", "circles", "noise").stream().anyMatch(best::contains), best);
            assertEquals(best, run(loader, "PlainCriteria", Fixtures.dir().toString(), image), "plain Criteria");
            assertTrue(!run(loader, "StartUp").isBlank());
        }
    }

    private static String run(ClassLoader loader, String name, String... args) throws Exception {
        Method main = loader.loadClass(name).getMethod("main", String[].class);
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            main.invoke(null, (Object) args);
        } finally {
            System.setOut(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }
}
