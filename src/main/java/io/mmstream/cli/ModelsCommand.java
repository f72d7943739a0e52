package io.mmstream.cli;

import io.mmstream.inference.InferenceException;
import io.mmstream.inference.InferenceOptions;
import io.mmstream.inference.ModelCard;
import io.mmstream.inference.ModelCardException;
import io.mmstream.inference.ModelCheck;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code models check DIR}: every card in a folder checked against its model, and one dry batch each. */
@Command(name = "models", mixinStandardHelpOptions = true, description = "Work with model cards.", subcommands = ModelsCommand.Check.class)
final class ModelsCommand {

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Check every card (*.json) in DIR against its .onnx file (sha256, inputs, outputs, bindings, result) and run one dry batch.")
    static final class Check implements Callable<Integer> {

        @Parameters(paramLabel = "DIR", description = "A models folder, e.g. onnx-models.")
        Path dir;

        @Override
        public Integer call() throws IOException {
            List<Path> cards = ModelCard.cardsIn(dir);
            if (cards.isEmpty()) {
                throw new IllegalArgumentException(dir + ": no model cards (*.json)");
            }
            int failed = 0;
            for (Path file : cards) {
                try {
                    System.out.println(ModelCheck.dryRun(ModelCard.load(file), InferenceOptions.cpu(1)));
                } catch (ModelCardException | InferenceException e) {
                    failed++;
                    System.out.println("FAILED " + e.getMessage());
                }
            }
            System.out.printf("%d of %d cards ok%n", cards.size() - failed, cards.size());
            return failed == 0 ? 0 : 1;
        }
    }
}
