package org.siglip4j.cli;

import org.siglip4j.core.SiglipException;
import org.siglip4j.core.io.AtomicFiles;
import org.siglip4j.core.tokenizer.SentencePieceConverter;
import org.siglip4j.core.tokenizer.SentencePieceModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** {@code siglip convert-tokenizer spiece.model tokenizer.json}. */
@Command(name = "convert-tokenizer", mixinStandardHelpOptions = true,
        description = "Convert a SentencePiece spiece.model (as official SigLIP checkpoints ship) into a "
                + "tokenizer.json for the Rust tokenizers library, with SigLIP's text canonicalisation.")
final class ConvertTokenizerCommand extends SiglipCommand {
    @Parameters(index = "0", paramLabel = "SPIECE_MODEL", description = "The spiece.model file.")
    Path input;

    @Parameters(index = "1", paramLabel = "TOKENIZER_JSON", description = "Where to write tokenizer.json.")
    Path output;

    @Option(names = "--max-length", defaultValue = "64",
            description = "Padding and truncation length written into the file (default: ${DEFAULT-VALUE}).")
    int maxLength;

    @Override
    public Integer call() throws IOException {
        if (maxLength < 2) {
            throw new SiglipException("--max-length must be at least 2 (one piece and </s>), got " + maxLength);
        }
        SentencePieceModel model = SentencePieceModel.load(input);
        String json = SentencePieceConverter.toJsonString(SentencePieceConverter.convert(model, maxLength, true));
        AtomicFiles.write(output, json.getBytes(StandardCharsets.UTF_8));
        System.out.printf("wrote %s (%d pieces, max length %d)%n", output, model.pieces().size(), maxLength);
        return 0;
    }
}
