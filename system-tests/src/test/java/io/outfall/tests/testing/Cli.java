package io.outfall.tests.testing;

import io.outfall.app.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import picocli.CommandLine;

/** Runs the {@code outfall} command line in this JVM, as a user would run it. */
public final class Cli {
  private Cli() {}

  /** Exit status, standard output and standard error of {@code outfall args...}. */
  public static String[] run(String... args) {
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
    return new String[] {String.valueOf(exit), o.toString(), e.toString()};
  }
}
