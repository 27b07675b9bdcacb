package io.outfall.app.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * {@code --server} and {@code --token-file}: the running server a command talks to, and who is
 * asking (the token's user, recorded in the audit log).
 */
final class ServerOptions {
  @Option(
      names = "--server",
      defaultValue = "${env:OUTFALL_SERVER:-http://127.0.0.1:8080}",
      description = "the Outfall server (default $OUTFALL_SERVER or ${DEFAULT-VALUE})")
  String url;

  @Option(
      names = "--token-file",
      paramLabel = "FILE",
      defaultValue = "${env:OUTFALL_TOKEN_FILE}",
      description = {
        "file holding your API token (default $OUTFALL_TOKEN_FILE; or set $OUTFALL_TOKEN):",
        "POST /api/tokens, or the demo's <data-dir>/admin-token"
      })
  Path tokenFile;

  ApiClient client() throws IOException {
    String token = System.getenv("OUTFALL_TOKEN");
    if (tokenFile != null) token = Files.readString(tokenFile).trim();
    if (token == null || token.isBlank())
      throw new CommandLine.ParameterException(
          new CommandLine(this),
          "an API token is needed: --token-file FILE, $OUTFALL_TOKEN_FILE or $OUTFALL_TOKEN");
    return new ApiClient(url, token);
  }
}
