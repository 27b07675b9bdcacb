package io.outfall.app.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * A temporary directory for a drill's or a benchmark's embedded services, removed with everything
 * in it when closed. Open it first in a try-with-resources so that it is closed last, after the
 * database and broker living in it have stopped.
 *
 * <p>Each run leaves an embedded PostgreSQL's data behind otherwise: 0.5 to 1.5 GB, and a machine
 * that runs the benchmarks daily fills its disk in weeks. {@code OUTFALL_KEEP_SCRATCH=true} keeps
 * it, to look into a run afterwards.
 */
public final class ScratchDirectory implements AutoCloseable {
  private final Path path;

  private ScratchDirectory(Path path) {
    this.path = path;
  }

  public static ScratchDirectory create(String prefix) throws IOException {
    return new ScratchDirectory(Files.createTempDirectory(prefix));
  }

  public Path path() {
    return path;
  }

  public Path resolve(String other) {
    return path.resolve(other);
  }

  @Override
  public void close() {
    if ("true".equals(System.getenv("OUTFALL_KEEP_SCRATCH"))) {
      System.err.println("kept " + path + " (OUTFALL_KEEP_SCRATCH)");
      return;
    }
    try {
      deleteTree(path);
    } catch (IOException e) {
      throw new UncheckedIOException("could not remove " + path, e);
    }
  }

  /** Removes a directory and everything under it; a missing directory is already removed. */
  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) return;
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.deleteIfExists(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
            if (e != null) throw e;
            Files.deleteIfExists(dir);
            return FileVisitResult.CONTINUE;
          }
        });
  }
}
