package io.outfall.app.embedded;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.ftpserver.FtpServer;
import org.apache.ftpserver.FtpServerFactory;
import org.apache.ftpserver.ftplet.DefaultFtplet;
import org.apache.ftpserver.ftplet.FtpException;
import org.apache.ftpserver.ftplet.FtpRequest;
import org.apache.ftpserver.ftplet.FtpSession;
import org.apache.ftpserver.ftplet.FtpletResult;
import org.apache.ftpserver.ftplet.UserManager;
import org.apache.ftpserver.listener.ListenerFactory;
import org.apache.ftpserver.usermanager.PropertiesUserManagerFactory;
import org.apache.ftpserver.usermanager.impl.BaseUser;
import org.apache.ftpserver.usermanager.impl.ConcurrentLoginPermission;
import org.apache.ftpserver.usermanager.impl.WritePermission;

/**
 * A real FTP server in this process (Apache FtpServer) standing in for the environment
 * department's, for the ftp-outage drill and the tests: one user, one folder, and a record of every
 * file that became complete there, in the order it did (an upload under its final name, or a rename
 * to one). It can stop and serve again on the same port, as an outage.
 */
public final class EmbeddedFtpServer implements AutoCloseable {
  private final Path dir;
  private final int port;
  private final String user;
  private final String password;
  private final List<String> arrivals = new ArrayList<>();
  private FtpServer server;

  private EmbeddedFtpServer(Path dir, int port, String user, String password) {
    this.dir = dir;
    this.port = port;
    this.user = user;
    this.password = password;
  }

  /** Serves {@code dir} on 127.0.0.1:{@code port} to {@code user}, who may write there. */
  public static EmbeddedFtpServer start(Path dir, int port, String user, String password)
      throws IOException, FtpException {
    Files.createDirectories(dir);
    EmbeddedFtpServer s = new EmbeddedFtpServer(dir, port, user, password);
    s.resume();
    return s;
  }

  /** ftp://user:password@127.0.0.1:port/ */
  public String url() {
    return "ftp://" + user + ":" + password + "@127.0.0.1:" + port + "/";
  }

  public int port() {
    return port;
  }

  public Path dir() {
    return dir;
  }

  /** Stops serving: connections are refused until {@link #resume}. */
  public synchronized void stop() {
    if (server != null) server.stop();
    server = null;
  }

  /** Serves again (or for the first time) from the same folder and port. */
  public synchronized void resume() throws FtpException {
    FtpServerFactory factory = new FtpServerFactory();
    ListenerFactory listener = new ListenerFactory();
    listener.setServerAddress("127.0.0.1");
    listener.setPort(port);
    factory.addListener("default", listener.createListener());
    UserManager users = new PropertiesUserManagerFactory().createUserManager();
    BaseUser u = new BaseUser();
    u.setName(user);
    u.setPassword(password);
    u.setHomeDirectory(dir.toAbsolutePath().toString());
    u.setAuthorities(List.of(new WritePermission(), new ConcurrentLoginPermission(20, 20)));
    users.save(u);
    factory.setUserManager(users);
    factory.setFtplets(new HashMap<>(Map.of("arrivals", new Arrivals()))); // it clears it on stop
    server = factory.createServer();
    server.start();
  }

  /** The names of the files that became complete here, in the order they did. */
  public synchronized List<String> arrivals() {
    return List.copyOf(arrivals);
  }

  /** The files in the folder now. */
  public List<Path> files() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.sorted().toList();
    }
  }

  private synchronized void arrived(String name) {
    arrivals.add(name);
  }

  private final class Arrivals extends DefaultFtplet {
    @Override
    public FtpletResult onUploadEnd(FtpSession session, FtpRequest request) {
      String name = Path.of(request.getArgument()).getFileName().toString();
      if (!name.endsWith(".part")) arrived(name);
      return FtpletResult.DEFAULT;
    }

    @Override
    public FtpletResult onRenameEnd(FtpSession session, FtpRequest request) {
      arrived(Path.of(request.getArgument()).getFileName().toString());
      return FtpletResult.DEFAULT;
    }
  }

  @Override
  public synchronized void close() {
    stop();
  }
}
