package org.siglip4j.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/**
 * A sub-command of {@code siglip}: the options every command has ({@link SiglipCli.Common}) and
 * the command's picocli spec (its output streams, usage errors). picocli reads the annotated
 * fields of this class before a command's own, so {@code --verbose} stays first in every help.
 */
abstract class SiglipCommand implements Callable<Integer> {
    @Mixin
    SiglipCli.Common common;

    @Spec
    CommandLine.Model.CommandSpec spec;
}
