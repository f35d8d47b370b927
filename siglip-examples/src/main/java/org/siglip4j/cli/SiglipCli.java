package org.siglip4j.cli;

import org.siglip4j.core.SiglipException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;

/**
 * The {@code siglip} command line. Every sub-command is a small class in this package that parses
 * its options with picocli and calls the library API; nothing is computed here that the Java API
 * cannot do.
 */
@Command(name = "siglip", mixinStandardHelpOptions = true, versionProvider = SiglipCli.Version.class,
        description = "SigLIP on the JVM: zero-shot classification, embeddings, fine-tuning and evaluation.",
        subcommands = {CommandLine.HelpCommand.class},
        footer = {"", "Run 'siglip COMMAND --help' for the options of a command."})
public final class SiglipCli implements Runnable {

    /** Options every command has. */
    public static final class Common {
        @Option(names = "--verbose", description = "Print stack traces of errors.")
        boolean verbose;
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Reads the version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = SiglipCli.class.getPackage().getImplementationVersion();
            return new String[] {"siglip4j " + (v == null ? "(development build)" : v)};
        }
    }

    /**
     * Builds the command line with its error handling: a {@link SiglipException} (or any other
     * error) prints one line a person can act on and exits with 1; {@code --verbose} adds the
     * stack trace; usage errors exit with 2.
     */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new SiglipCli());
        for (Object sub : Commands.all()) {
            cl.addSubcommand(sub);
        }
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            boolean verbose = parseResult.expandedArgs().contains("--verbose");
            String msg = ex instanceof SiglipException ? ex.getMessage()
                    : ex.getClass().getSimpleName() + ": " + ex.getMessage();
            err.println(commandLine.getColorScheme().errorText("error: " + msg));
            if (verbose) {
                ex.printStackTrace(err);
            } else if (!(ex instanceof SiglipException)) {
                err.println("(run with --verbose for details)");
            }
            err.flush();
            return 1;
        });
        return cl;
    }

    /** Entry point. */
    public static void main(String[] args) {
        // a process-wide allocator setting is the application's choice (a library never makes it
        // for its host); the command line is an application and wants tensor memory kept mapped
        org.siglip4j.core.nn.MallocTuning.apply();
        System.exit(commandLine().execute(args));
    }
}
