package io.outfall.ingest.testing;

/** Runs the {@code outfall} command line in this JVM, as a user would run it. */
public final class Cli {
  private Cli() {}

  /** Exit status, standard output and standard error of {@code outfall args...}. */
  public static String[] run(String... args) {
    java.io.PrintStream out = System.out;
    java.io.PrintStream err = System.err;
    var o = new java.io.ByteArrayOutputStream();
    var e = new java.io.ByteArrayOutputStream();
    int exit;
    try {
      System.setOut(new java.io.PrintStream(o, true));
      System.setErr(new java.io.PrintStream(e, true));
      exit = new picocli.CommandLine(new io.outfall.ingest.cli.Main()).execute(args);
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
    System.out.print(o);
    return new String[] {String.valueOf(exit), o.toString(), e.toString()};
  }
}
