package io.outfall.app.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import picocli.CommandLine.Option;

/**
 * A password a command has just made, whose only copy it hands over: printed once, or written to a
 * file only its owner can read ({@code --password-file}). Mixed into the commands that make one.
 */
final class NewPassword {
  @Option(
      names = "--password-file",
      paramLabel = "FILE",
      description = "write the password here (mode 600) instead of printing it")
  Path file;

  void show(String username, String password) throws Exception {
    if (file != null) {
      Files.writeString(file, password + "\n");
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      System.out.println(username + ": password written to " + file);
    } else {
      System.out.println("user name: " + username);
      System.out.println("password:  " + password + "   (shown once; the server keeps a hash)");
    }
  }
}
