package io.outfall.tests.testing;

import io.outfall.app.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import picocli.CommandLine;

/** Runs the {@code outfall} command line in this JVM, as a user would run it. */
public final class Cli {
  private Cli() {}

  /** What {@code outfall args...} did: its exit status, standard output and standard error. */
  public record Run(int exit, String out, String err) {
    /** Output and error together, to explain a failed assertion. */
    public String printed() {
      return out + err;
    }
  }

  public static Run run(String... args) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    var o = new ByteArrayOutputStream();
    var e = new ByteArrayOutputStream();
    int exit;
    try {
      System.setOut(new PrintStream(o, true));
      System.setErr(new PrintStream(e, true));
      exit = new CommandLine(new Main()).execute(args);
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
    System.out.print(o);
    return new Run(exit, o.toString(), e.toString());
  }
}
