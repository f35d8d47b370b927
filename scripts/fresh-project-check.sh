#!/usr/bin/env bash
# A fresh Maven project that depends on the built siglip4j artifacts, as a user's would (issue #23):
# it compiles and runs the README's "Java in three lines" example verbatim (its printed output must
# equal the README's), a predictor loaded by a plain DJL Criteria from a Hugging Face folder, and a
# DJL Serving style request (Input -> Output, the folder's serving.properties) on the tiny fixture.
#
# Usage: scripts/fresh-project-check.sh [WORK_DIR]    (after `mvn package`; siglip-examples' IT runs it)
#
# Offline and side-effect free: the artifacts are installed into a local repository under WORK_DIR
# (the layout `mvn install` writes, copied from */target: nothing lands in the shared ~/.m2), and
# every other dependency and plugin comes from the existing local repository (M2_REPO, default
# ~/.m2/repository), read as a file:// mirror. So it needs the deps the main build already fetched.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${1:-$(mktemp -d)}"
M2="${M2_REPO:-$HOME/.m2/repository}"
VERSION="$(sed -n 's:^  <version>\(.*\)</version>.*:\1:p' "$ROOT/pom.xml" | head -1)"
LOCAL="$WORK/local-repo"
PROJECT="$WORK/my-app"
mkdir -p "$LOCAL" "$PROJECT/src/test/java/com/example"

# 1. "install" the parent and the library modules into the private local repository
install_artifact() { # artifactId pom [jar]
  local dir="$LOCAL/org/siglip4j/$1/$VERSION"
  mkdir -p "$dir"
  cp "$2" "$dir/$1-$VERSION.pom"
  if [ -n "${3:-}" ]; then
    [ -f "$3" ] || { echo "missing $3: run 'mvn -B package -DskipTests' first" >&2; exit 1; }
    cp "$3" "$dir/$1-$VERSION.jar"
  fi
}
install_artifact siglip4j-parent "$ROOT/pom.xml"
for m in siglip-core siglip-loss siglip-train siglip-eval; do
  install_artifact "$m" "$ROOT/$m/pom.xml" "$ROOT/$m/target/$m-$VERSION.jar"
done

# 2. every other artifact from the existing local repository, never from the network
cat > "$WORK/settings.xml" <<EOF
<settings>
  <mirrors>
    <mirror><id>existing-local-repo</id><mirrorOf>*</mirrorOf><url>file://$M2</url></mirror>
  </mirrors>
</settings>
EOF

# 3. the user's project: siglip-core, a logging binding, JUnit; plugin versions those of the main build
cat > "$PROJECT/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.example</groupId>
  <artifactId>my-app</artifactId>
  <version>1.0</version>
  <properties>
    <maven.compiler.release>17</maven.compiler.release>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
  </properties>
  <dependencies>
    <dependency>
      <groupId>org.siglip4j</groupId>
      <artifactId>siglip-core</artifactId>
      <version>$VERSION</version>
    </dependency>
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-simple</artifactId>
      <version>2.0.16</version>
    </dependency>
    <dependency>
      <groupId>org.junit.jupiter</groupId>
      <artifactId>junit-jupiter</artifactId>
      <version>5.11.3</version>
      <scope>test</scope>
    </dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-resources-plugin</artifactId><version>3.3.1</version></plugin>
      <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-compiler-plugin</artifactId><version>3.13.0</version></plugin>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId><artifactId>maven-surefire-plugin</artifactId><version>3.5.2</version>
        <configuration>
          <systemPropertyVariables>
            <ai.djl.offline>true</ai.djl.offline>
            <org.slf4j.simpleLogger.defaultLogLevel>warn</org.slf4j.simpleLogger.defaultLogLevel>
          </systemPropertyVariables>
          <environmentVariables><OMP_NUM_THREADS>2</OMP_NUM_THREADS></environmentVariables>
        </configuration>
      </plugin>
    </plugins>
  </build>
</project>
EOF

# 4. the README's model: the tiny fixture folder, as a downloaded Hugging Face folder looks
FIX="$ROOT/siglip-core/src/test/resources/siglip-tiny"
mkdir -p "$PROJECT/siglip-tiny/inputs"
for f in config.json model.safetensors preprocessor_config.json spiece.model special_tokens_map.json \
         tokenizer_config.json; do
  cp "$FIX/$f" "$PROJECT/siglip-tiny/"
done
cp "$FIX/inputs/gradient_wide.png" "$PROJECT/siglip-tiny/inputs/"

# 5. the README's Java example and its printed output, taken from README.md as they stand
README_CODE="$(awk '/^## Java in three lines/{s=1} s&&/^```java/{c=1;next} c&&/^```/{exit} c' "$ROOT/README.md")"
README_OUT="$(awk '/^## Java in three lines/{s=1} s&&/^```java/{j=1} j&&/^```$/{n++; if(n==2){o=1;next}} o&&/^```/{exit} o' "$ROOT/README.md")"
[ -n "$README_CODE" ] && [ -n "$README_OUT" ] || { echo "README's Java example not found" >&2; exit 1; }
printf '%s\n' "$README_OUT" > "$PROJECT/readme-output.txt"

cat > "$PROJECT/src/test/java/com/example/MyAppTest.java" <<EOF
package com.example;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.inference.Predictor;
import ai.djl.modality.Classifications;
import ai.djl.modality.Input;
import ai.djl.modality.Output;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.util.JsonUtils;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.siglip4j.core.djl.SiglipCriteria;
import org.siglip4j.core.pipeline.LabelScore;
import org.siglip4j.core.pipeline.ZeroShotImageClassifier;

class MyAppTest {
    static final List<String> LABELS = List.of("gradient", "circles", "noise", "checkerboard", "cat");
    static final Path IMAGE = Path.of("siglip-tiny/inputs/gradient_wide.png");

    static void readmeExample() throws Exception {
$README_CODE
    }

    @Test
    void theReadmeExamplePrintsWhatTheReadmeShows() throws Exception {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            readmeExample();
        } finally {
            System.setOut(old);
        }
        // the same labels in the same order, each score equal to the 6 significant digits printed
        // (one unit in the last digit: float sums in another order round the other way)
        List<String> want = Files.readString(Path.of("readme-output.txt")).strip().lines().toList();
        List<String> got = buf.toString(StandardCharsets.UTF_8).strip().lines().toList();
        assertEquals(want.size(), got.size(), got.toString());
        for (int i = 0; i < want.size(); i++) {
            String[] w = want.get(i).trim().split("\\\\s+");
            String[] g = got.get(i).trim().split("\\\\s+");
            assertEquals(w[0], g[0], got.toString());
            double expected = Double.parseDouble(w[1]);
            assertEquals(expected, Double.parseDouble(g[1]), 1.5e-5 * Math.abs(expected), got.get(i));
        }
    }

    static void assertPipelineScores(Classifications got) {
        try (ZeroShotImageClassifier pipeline = ZeroShotImageClassifier.load(Path.of("siglip-tiny"))) {
            for (LabelScore s : pipeline.classifyImage(IMAGE, LABELS)) {
                assertEquals(s.score(), got.get(s.label()).getProbability(), 1e-6, s.label());
            }
        }
    }

    @Test
    void aPlainCriteriaLoadsTheFolder() throws Exception {
        Criteria<Image, Classifications> criteria = Criteria.builder().setTypes(Image.class, Classifications.class)
                .optModelPath(Path.of("siglip-tiny")).optEngine("PyTorch").optArgument("labels", LABELS).build();
        try (ZooModel<Image, Classifications> model = criteria.loadModel();
                Predictor<Image, Classifications> predictor = model.newPredictor()) {
            assertPipelineScores(predictor.predict(ImageFactory.getInstance().fromFile(IMAGE)));
        }
    }

    @Test
    void aDjlServingRequestIsAnswered() throws Exception {
        // what DJL Serving does with a model folder: serving.properties as arguments and options
        // of a Criteria<Input, Output>, the request body as the Input
        Path dir = Path.of("target", "served");
        Files.createDirectories(dir);
        for (Path f : Files.list(Path.of("siglip-tiny")).filter(Files::isRegularFile).toList()) {
            Files.copy(f, dir.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        SiglipCriteria.writeServingProperties(dir, "labels=" + String.join("|", LABELS));
        Properties prop = new Properties();
        try (var in = Files.newInputStream(dir.resolve("serving.properties"))) {
            prop.load(in);
        }
        Criteria.Builder<Input, Output> b = Criteria.builder().setTypes(Input.class, Output.class)
                .optModelUrls(dir.toUri().toString()).optEngine(prop.getProperty("engine"));
        for (String key : prop.stringPropertyNames()) {
            if (key.startsWith("option.")) {
                b.optOption(key.substring(7), prop.getProperty(key));
            } else {
                b.optArgument(key, prop.getProperty(key));
            }
        }
        try (ZooModel<Input, Output> model = b.build().loadModel();
                Predictor<Input, Output> predictor = model.newPredictor()) {
            Input request = new Input();
            request.add(Files.readAllBytes(IMAGE));
            request.addProperty("Content-Type", "image/png");
            Output response = predictor.predict(request);
            JsonArray items = JsonUtils.GSON.fromJson(response.getData().getAsString(), JsonArray.class);
            List<String> names = new java.util.ArrayList<>();
            List<Double> probs = new java.util.ArrayList<>();
            for (JsonElement item : items) {
                names.add(item.getAsJsonObject().get("className").getAsString());
                probs.add(item.getAsJsonObject().get("probability").getAsDouble());
            }
            assertPipelineScores(new Classifications(names, probs));
        }
    }
}
EOF

# 6. build and test it exactly as a user would, with nothing but the files above
cd "$PROJECT"
mvn -B -q -s "$WORK/settings.xml" -Dmaven.repo.local="$LOCAL" test
echo "fresh project check passed: $PROJECT"
