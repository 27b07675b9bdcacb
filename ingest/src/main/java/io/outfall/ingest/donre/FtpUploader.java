package io.outfall.ingest.donre;

import io.outfall.protocol.transport.TrustedCa;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.commons.net.ftp.FTP;
import org.apache.commons.net.ftp.FTPClient;
import org.apache.commons.net.ftp.FTPReply;
import org.apache.commons.net.ftp.FTPSClient;

/**
 * One session with the department's FTP server (Apache Commons Net): passive mode, binary, in the
 * configured directory. A file goes up under a temporary name ({@code NAME.part}) and is renamed
 * when complete, so the department's receiver never reads half a file; a file already there under
 * its final name was uploaded before and its confirmation lost, and is not sent twice.
 */
final class FtpUploader implements AutoCloseable {
  static final String PART = ".part";

  private final FTPClient ftp;

  private FtpUploader(FTPClient ftp) {
    this.ftp = ftp;
  }

  /** Connects and logs in; with ftps, explicit TLS (AUTH TLS) and a protected data channel. */
  static FtpUploader open(DonreSettings.FtpTarget target, Path ca) throws IOException {
    FTPClient ftp;
    if (target.tls()) {
      FTPSClient ftps;
      try {
        ftps = new FTPSClient(false, TrustedCa.context(ca, null, null));
      } catch (IOException e) {
        throw e;
      } catch (Exception e) {
        throw new IOException("donre.ftp-ca-file: " + e.getMessage(), e);
      }
      ftps.setEndpointCheckingEnabled(true); // the certificate must name the host
      ftp = ftps;
    } else {
      ftp = new FTPClient();
    }
    ftp.setConnectTimeout((int) Duration.ofSeconds(10).toMillis());
    ftp.setDefaultTimeout((int) Duration.ofSeconds(30).toMillis());
    ftp.setDataTimeout(Duration.ofSeconds(30));
    FtpUploader session = new FtpUploader(ftp);
    try {
      ftp.connect(target.host(), target.port());
      session.expect(FTPReply.isPositiveCompletion(ftp.getReplyCode()), "connect");
      if (ftp instanceof FTPSClient ftps) {
        ftps.execPBSZ(0);
        ftps.execPROT("P");
      }
      session.expect(ftp.login(target.user(), target.password()), "login as " + target.user());
      ftp.enterLocalPassiveMode();
      session.expect(ftp.setFileType(FTP.BINARY_FILE_TYPE), "binary mode");
      session.expect(
          ftp.changeWorkingDirectory(target.directory()), "directory " + target.directory());
      return session;
    } catch (IOException | RuntimeException e) {
      session.close();
      throw e;
    }
  }

  /**
   * Uploads {@code content} as {@code name}. Returns false when the server already had it (an
   * earlier upload whose confirmation was lost), true when it was uploaded now.
   */
  boolean upload(String name, byte[] content) throws IOException {
    if (exists(name)) return false;
    String part = name + PART;
    expect(ftp.storeFile(part, new ByteArrayInputStream(content)), "upload of " + part);
    expect(ftp.rename(part, name), "rename of " + part + " to " + name);
    return true;
  }

  private boolean exists(String name) throws IOException {
    String[] found = ftp.listNames(name);
    if (found == null) return false;
    for (String f : found) if (f.equals(name) || f.endsWith("/" + name)) return true;
    return false;
  }

  private void expect(boolean ok, String what) throws IOException {
    if (!ok) throw new IOException(what + " refused: " + ftp.getReplyString().trim());
  }

  @Override
  public void close() {
    try {
      if (ftp.isConnected()) {
        ftp.logout();
        ftp.disconnect();
      }
    } catch (IOException e) {
      // the session is over either way
    }
  }
}
