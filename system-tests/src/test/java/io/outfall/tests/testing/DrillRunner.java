package io.outfall.tests.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine;

/** Runs an {@code outfall drill} as shipped, in this JVM. */
public final class DrillRunner {
  private DrillRunner() {}

  /** Runs {@code drill} with {@code args}; its exit status must be 0. Returns what it printed. */
  public static String run(Callable<Integer> drill, String... args) {
    PrintStream out = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    int exit;
    try {
      System.setOut(new PrintStream(captured, true));
      exit = new CommandLine(drill).execute(args);
    } finally {
      System.setOut(out);
    }
    String printed = captured.toString();
    System.out.print(printed);
    assertThat(exit).as(printed).isZero();
    return printed;
  }

  /** The last line a drill printed: its counts. */
  public static String lastLine(String printed) {
    return printed.strip().lines().reduce((a, b) -> b).orElse("");
  }
}
