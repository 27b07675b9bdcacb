package io.outfall.app.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ScratchDirectoryTest {

  @Test
  void closingRemovesTheDirectoryWithEverythingInIt() throws Exception {
    Path root;
    try (ScratchDirectory dir = ScratchDirectory.create("outfall-scratch-test")) {
      root = dir.path();
      Files.createDirectories(dir.resolve("pg/base/1"));
      Files.writeString(dir.resolve("pg/base/1/PG_VERSION"), "17");
      Files.writeString(dir.resolve("broker.log"), "up");
      assertThat(root).isDirectory();
    }
    assertThat(root).doesNotExist();
  }

  @Test
  void aTreeAlreadyGoneIsNoError() throws Exception {
    ScratchDirectory dir = ScratchDirectory.create("outfall-scratch-test");
    ScratchDirectory.deleteTree(dir.path());
    dir.close();
    assertThat(dir.path()).doesNotExist();
  }
}
